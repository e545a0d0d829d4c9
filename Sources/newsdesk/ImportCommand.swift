import ArgumentParser
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load editions in bulk from ninjs documents, one a line (as `export --all` writes them).",
        discussion: """
            Each document's uri is remembered: running the same import again creates nothing twice. \
            pubStatus usable becomes published, canceled withdrawn, anything else a draft. Editors and admins.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The file, or - for stdin.") var file: String
    @OptionGroup var output: JSONOption

    func run() throws {
        // Each document's fields are cleaned as its row is made (Importer.row).
        let text = try TextField(name: "file", maximumBytes: Int.max, multiline: true, mayBeEmpty: true)
            .text(bytes: try TextInput.readAll(file, field: "file"))
        let onTerminal = isatty(2) == 1
        let result = try Importer(connection: connection.connect()).load(text) { sent, total in
            guard onTerminal else { return }
            let width = 30, done = total == 0 ? width : width * sent / total
            Output.standardErrorInline(
                "\r[\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))] \(sent)/\(total)"
            )
        }
        if onTerminal { Output.standardError("") }
        if output.json { return try Output.json(result) }
        Output.line("Imported \(result.imported) editions; \(result.skipped) were imported before.")
    }
}
