public import ArgumentParser
import NewsdeskCore

struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Live updates on published editions.",
        subcommands: [Add.self, Edit.self, Withdraw.self, List.self, History.self, Key.self, Unkey.self, Translate.self]
    )

    static let bodyField = TextField.updateBody
    static let updateHelp = ArgumentHelp(
        "The update: its id, or EDITION#N, its number on the page (uk/kyivrada-sklykaie-sesiiu#2).", valueName: "update"
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Append an update to a published edition.",
            discussion: """
                The update gets the edition's next seq, the server's time and your login as author; the \
                edition is marked updated. With --idempotency-key, running the same command again (say, after \
                a lost connection) adds nothing and prints the same result; the same key with other content is refused.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
        @Option(parsing: .unconditional, help: "The update's text, in Markdown.") var body: String?
        @Option(
            name: .customLong("body-file"),
            help: ArgumentHelp("Read the text from a file, or - for stdin.", valueName: "file"))
        var bodyFile: String?
        @Option(help: "update (default), correction or clarification.") var kind: UpdateKind = .update
        @Flag(help: "Pin it as a key event.") var key = false
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            guard let text = try TextInput.body(text: body, file: bodyFile, field: UpdateCommand.bodyField) else {
                throw ValidationError("Give the update's text with --body, --body-file FILE or --body-file -.")
            }
            let update = try keepingTyped(EditionChanges(body: text), edition: "\(edition)-update", basedOn: nil) {
                try LiveUpdateDesk(connection: connection.connect())
                    .add(to: edition, body: text, kind: kind, key: key, idempotencyKey: try idempotency.value())
            }
            try UpdateOutput.print(update, json: output.json, verb: "Added")
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Change an update's text; readers see that it was edited, and when.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: UpdateCommand.updateHelp) var update: String
        @Option(parsing: .unconditional, help: "The new text.") var body: String?
        @Option(
            name: .customLong("body-file"),
            help: ArgumentHelp("Read the new text from a file, or - for stdin.", valueName: "file"))
        var bodyFile: String?
        @Option(help: "A new kind: update, correction or clarification.") var kind: UpdateKind?
        @Flag(help: "A silent fix (a typo): readers see no \"edited\" or \"updated\" for it.") var minor = false
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            let text = try TextInput.body(text: body, file: bodyFile, field: UpdateCommand.bodyField)
            if text == nil && kind == nil {
                throw ValidationError("Give the new text with --body or --body-file, or a new --kind.")
            }
            let edited = try keepingTyped(EditionChanges(body: text), edition: "update-\(update)", basedOn: nil) {
                try LiveUpdateDesk(connection: connection.connect())
                    .edit(update, body: text, kind: kind, minor: minor, idempotencyKey: try idempotency.value())
            }
            try UpdateOutput.print(edited, json: output.json, verb: minor ? "Made a minor edit to" : "Edited")
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "withdraw", abstract: "Hide an update from readers; it stays in its history.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: UpdateCommand.updateHelp) var update: String
        @Option(parsing: .unconditional, help: "Why it is withdrawn.") var reason: String
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            let reason = try TextField.reason.clean(reason)
            let withdrawn = try LiveUpdateDesk(connection: connection.connect())
                .withdraw(update, reason: reason, idempotencyKey: try idempotency.value())
            try UpdateOutput.print(withdrawn, json: output.json, verb: "Withdrew")
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "key", abstract: "Pin an update as a key event.")
        @OptionGroup var pin: PinOptions

        func run() throws { try pin.set(true, verb: "Pinned as a key event:") }
    }

    struct Unkey: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unkey", abstract: "Unpin a key event.")
        @OptionGroup var pin: PinOptions

        func run() throws { try pin.set(false, verb: "Unpinned") }
    }

    /// What `update key` and `update unkey` share.
    struct PinOptions: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: UpdateCommand.updateHelp) var update: String
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func set(_ key: Bool, verb: String) throws {
            let result = try LiveUpdateDesk(connection: connection.connect())
                .setKey(update, key, idempotencyKey: try idempotency.value())
            try UpdateOutput.print(result, json: output.json, verb: verb)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List an edition's updates, withdrawn ones included.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let listing = try LiveUpdateDesk(connection: connection.connectForReading()).list(edition)
            if output.json { return try Output.json(listing) }
            for update in listing.updates {
                var flags: [String] = []
                if update.key { flags.append("key") }
                if update.editedAt != nil { flags.append("edited") }
                if update.withdrawnAt != nil { flags.append("withdrawn") }
                let firstLine = update.body.split(separator: "\n").first.map(String.init) ?? ""
                Output.line(
                    "#\(String(update.seq).padding(4))id \(String(update.id).padding(7))\(update.localTime.zoned(update.postedAt))  "
                        + "\(update.author.padding(12))\(update.kind.rawValue.padding(14))"
                        + (flags.isEmpty ? "" : "[\(flags.joined(separator: ","))] ") + firstLine)
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "history", abstract: "Every version of an update.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: UpdateCommand.updateHelp) var update: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let history = try LiveUpdateDesk(connection: connection.connectForReading()).history(update)
            if output.json { return try Output.json(history) }
            for version in history.versions {
                Output.line(
                    "v\(String(version.version).padding(4))\(version.localTime.zoned(version.savedAt))  \(version.savedBy.padding(12))"
                        + "\(version.change.padding(9))\(version.note.map { "— \($0) " } ?? "")\(version.body)")
            }
        }
    }
}

// The kinds are parsed from their raw names (`--kind correction`).
extension UpdateKind: ExpressibleByArgument {}

enum UpdateOutput {
    static func print(_ update: LiveUpdate, json: Bool, verb: String) throws {
        if json { return try Output.json(update) }
        Output.line(
            "\(verb) update \(update.id) (#\(update.seq) on edition \(update.editionID), \(update.localTime.text)).")
    }
}
