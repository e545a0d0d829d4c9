import ArgumentParser
import NewsdeskCore

/// `--json` on commands that print an edition.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print the result as JSON.") var json = false
}

/// How the tool reports an edition after a change.
enum EditionOutput {
    /// The edition as JSON, or `summary` for people.
    static func print(_ edition: Edition, json: Bool, summary: String) throws {
        if json {
            try Output.json(edition)
        } else {
            Output.line(summary)
        }
    }

    /// `uk/slug (edition 12, version 3)`
    static func label(_ edition: Edition) -> String {
        label(reference: edition.reference, id: edition.id, version: edition.version)
    }

    static func label(reference: String, id: Int64, version: Int) -> String {
        "\(reference) (edition \(id), version \(version))"
    }

    /// "Thursday, 26 October 2023, 16:43 Europe/Kyiv" for a local time.
    static func when(_ time: LocalTime?, _ edition: Edition) -> String {
        guard let time else { return "" }
        return "\(Dateline.full(time, language: "en")) \(edition.timezone)"
    }
}
