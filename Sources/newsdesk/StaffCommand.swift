import ArgumentParser
import NewsdeskCore

struct StaffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Manage the newsroom's staff and their roles (admins).",
        discussion: """
            Each person is a PostgreSQL login role: `newsdesk --as LOGIN` acts as them. Roles: reporter, \
            translator, editor, admin. The database checks every action against them.
            """,
        subcommands: [Add.self, List.self, Grant.self, Revoke.self, Deactivate.self]
    )

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case reporter, translator, editor, admin
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a person with one or more roles.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Their login: lower-case letters, digits and _.") var login: String
        @Option(help: "A role; repeat for several.") var role: [Role]
        @Option(
            help: ArgumentHelp("Their name in a language, as LANG=NAME; repeat per language.", valueName: "lang=name"))
        var name: [String] = []
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func validate() throws {
            if role.isEmpty { throw ValidationError("Give at least one --role.") }
        }

        func run() throws {
            let names = try parseNames(name)
            let login = try TextField.login.clean(login)
            let member = try StaffDesk(connection: connection.connect())
                .add(login, roles: role.map(\.rawValue), names: names, idempotencyKey: try idempotency.value())
            try StaffOutput.print(member, json: output.json, verb: "Added")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the staff.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let staff = try StaffDesk(connection: connection.connect()).list()
            if output.json {
                struct Listing: Encodable { let staff: [StaffMember] }
                return try Output.json(Listing(staff: staff))
            }
            // Columns as wide as their longest entry, so every row lines up.
            let width = max(14, (staff.map(\.login.count).max() ?? 0) + 2)
            let rolesWidth = max(7, (staff.map { $0.roles.joined(separator: ",").count }.max() ?? 0) + 2)
            Output.line("\("LOGIN".padding(width))\("ROLES".padding(rolesWidth))\("STATE".padding(13))NAMES")
            for member in staff {
                // Every language's name, as bylines use them.
                let names = member.names.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }
                let line =
                    "\(member.login.padding(width))\(member.roles.joined(separator: ",").padding(rolesWidth))"
                    + "\((member.active ? "active" : "deactivated").padding(13))\(names.joined(separator: ", "))"
                Output.line(String(line.reversed().drop(while: \.isWhitespace).reversed()))
            }
        }
    }

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "grant", abstract: "Give a person a role.")
        @OptionGroup var change: RoleChange

        func run() throws { try change.apply(grant: true) }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Take a role from a person.")
        @OptionGroup var change: RoleChange

        func run() throws { try change.apply(grant: false) }
    }

    /// What `staff grant` and `staff revoke` share.
    struct RoleChange: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The person's login.", completion: NewsroomCompletion.logins) var login: String
        @Argument(help: "The role.") var role: Role
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func apply(grant: Bool) throws {
            let staff = StaffDesk(connection: try connection.connect()), key = try idempotency.value()
            let member =
                try grant
                ? staff.grant(login, role: role.rawValue, idempotencyKey: key)
                : staff.revoke(login, role: role.rawValue, idempotencyKey: key)
            try StaffOutput.print(
                member, json: output.json, verb: grant ? "Granted \(role.rawValue) to" : "Revoked \(role.rawValue) from"
            )
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deactivate", abstract: "Stop a person's login from working; their work and history stay.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The person's login.", completion: NewsroomCompletion.logins) var login: String
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            let member = try StaffDesk(connection: connection.connect()).deactivate(
                login, idempotencyKey: try idempotency.value())
            try StaffOutput.print(member, json: output.json, verb: "Deactivated")
        }
    }
}

struct WhoamiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Show which login acts, with which roles.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let actor = try StaffDesk(connection: connection.connect()).whoami()
        if output.json { return try Output.json(actor) }
        Output.line("\(actor.login): \(actor.roles.isEmpty ? "no newsroom role" : actor.roles.joined(separator: ", "))")
    }
}

enum StaffOutput {
    static func print(_ member: StaffMember, json: Bool, verb: String) throws {
        if json { return try Output.json(member) }
        Output.line("\(verb) \(member.login) (\(member.roles.joined(separator: ", "))).")
    }
}
