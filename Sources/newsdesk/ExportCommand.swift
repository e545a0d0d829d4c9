import ArgumentParser
import NewsdeskCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write editions as IPTC ninjs 3.1 news items, or as a newsroom archive.",
        discussion: """
            One edition as a JSON document, or --all as one document a line, in edition id order. \
            --format newsdesk writes everything stored about each edition (history, status, times, photo, \
            bylines, live updates, translation links), for `newsdesk import` into another newsroom; ninjs \
            holds what the standard has fields for. \
            An edition whose document cannot be produced does not stop --all: the others are written, \
            each one that failed is named on stderr, and the exit status is 65.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ninjs, newsdesk
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String?
    @Flag(help: "Every edition, one document a line.") var all = false
    @Option(help: "ninjs (default), or newsdesk: the newsroom archive, one edition a line (with --all).")
    var format: Format = .ninjs

    func validate() throws {
        if (edition == nil) == !all { throw ValidationError("Name one edition, or give --all.") }
        if format == .newsdesk && !all {
            throw ValidationError("--format newsdesk writes the whole newsroom: give --all.")
        }
    }

    func run() throws {
        let desk = EditionDesk(connection: try connection.connectForReading())
        if let edition {
            return Output.jsonText(try NinjsDocument(desk.show(edition)).json(pretty: true))
        }
        if format == .newsdesk { return try archive(desk) }
        var after: Int64 = 0
        var failed: [Int64] = []
        while true {
            let page = try desk.editions(after: after)
            guard let last = page.last else { break }
            for entry in page {
                do {
                    Output.jsonText(try NinjsDocument(entry.edition.get()).json(pretty: false))
                } catch {
                    failed.append(entry.id)
                    Output.standardError("Error: edition \(entry.id) was not exported: \(Self.reason(error))")
                }
            }
            // A page whose documents name no id beyond the cursor would be read again forever.
            guard last.id > after else {
                throw NewsdeskError(
                    .badInput, "The export stopped after edition \(after): the next documents name no edition id.")
            }
            after = last.id
        }
        if !failed.isEmpty {
            let ids = failed.map(String.init).joined(separator: ", ")
            throw NewsdeskError(
                .badInput,
                """
                \(failed.count == 1 ? "1 edition was" : "\(failed.count) editions were") not exported (\(ids)); \
                every other edition was written.
                """)
        }
    }

    /// Every edition as a newsroom archive document, one a line.
    func archive(_ desk: EditionDesk) throws {
        var after: Int64 = 0
        while true {
            let page = try desk.archive(after: after)
            guard let last = page.last else { return }
            for entry in page { Output.jsonText(entry.document) }
            after = last.id
        }
    }

    /// Why a document could not be produced, in a sentence.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NewsdeskError:
            return error.message
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            // The path starts at the edition's place in its page, which says nothing to the reader.
            let field = context.codingPath.drop { $0.intValue != nil }.map(\.stringValue).joined(separator: ".")
            return "its stored document is malformed" + (field.isEmpty ? "" : " at \(field)")
                + ": \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
