import ArgumentParser
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Load editions in bulk: a newsroom archive, or ninjs documents, one a line (as `export --all` writes them).",
        discussion: """
            A newsroom archive (export --all --format newsdesk) comes in whole: stories, editions with their \
            history, status and times, photos, bylines, subjects, live updates and translation links. Its \
            bylines, update authors and subjects must be here already; a file naming any that are not is \
            refused, all of them listed, before anything is written. From ninjs, the text, language, status \
            (usable: published, canceled: withdrawn, otherwise a draft), times and known subjects; what else \
            a document holds is reported line by line on stderr. Each document's uri is remembered: running \
            the same import again creates nothing twice. Editors and admins.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The file, or - for stdin.") var file: String
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        // Each document's fields are cleaned as its row is made (Importer.row).
        let text = try TextField(name: "file", maximumBytes: Int.max, multiline: true, mayBeEmpty: true)
            .text(bytes: try TextInput.readAll(file, field: "file"))
        let onTerminal = isatty(2) == 1
        let result = try Importer(connection: connection.connect()).load(text, idempotencyKey: try idempotency.value())
        { sent, total in
            guard onTerminal else { return }
            let width = 30, done = total == 0 ? width : width * sent / total
            Output.standardErrorInline(
                "\r[\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))] \(sent)/\(total)"
            )
        }
        if onTerminal { Output.standardError("") }
        if output.json { return try Output.json(result) }
        for note in result.notKept { Output.standardError("Not kept: line \(note.line): \(note.what).") }
        Output.line("Imported \(result.imported) editions; \(result.skipped) were imported before.")
    }
}
