import ArgumentParser
import NewsdeskCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write editions as IPTC ninjs 3.1 news items.",
        discussion: "One edition as a JSON document, or --all as one document a line, in edition id order.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ninjs
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String?
    @Flag(help: "Every edition, one document a line.") var all = false
    @Option(help: "ninjs (the only format so far).") var format: Format = .ninjs

    func validate() throws {
        if (edition == nil) == !all { throw ValidationError("Name one edition, or give --all.") }
    }

    func run() throws {
        let desk = EditionDesk(connection: try connection.connect())
        if let edition {
            return Output.jsonText(try NinjsDocument(desk.show(edition)).json(pretty: true))
        }
        var after: Int64 = 0
        while true {
            let page = try desk.editions(after: after)
            guard let last = page.last else { return }
            for edition in page { Output.jsonText(try NinjsDocument(edition).json(pretty: false)) }
            after = last.id
        }
    }
}
