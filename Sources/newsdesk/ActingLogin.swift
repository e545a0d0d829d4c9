import Logging
import NewsdeskCore
import PostgresClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A command that changes the newsroom. It must act under a staff login: a
/// database superuser passes every check of the desk and is recorded in the
/// audit log under the cluster's own name, so nobody could tell who did it.
/// Reading commands, `db`, `staff` (the first admin is added by the superuser),
/// `whoami` and `demo` may still run as a superuser.
protocol EditorialCommand {}

extension StoryCommand.New: EditorialCommand {}
extension EditCommand: EditorialCommand {}
extension SubmitCommand: EditorialCommand {}
extension ReturnCommand: EditorialCommand {}
extension PublishCommand: EditorialCommand {}
extension UnpublishCommand: EditorialCommand {}
extension RepublishCommand: EditorialCommand {}
extension RestoreCommand: EditorialCommand {}
extension UpdateCommand.Add: EditorialCommand {}
extension UpdateCommand.Edit: EditorialCommand {}
extension UpdateCommand.Withdraw: EditorialCommand {}
extension UpdateCommand.Key: EditorialCommand {}
extension UpdateCommand.Unkey: EditorialCommand {}
extension UpdateCommand.Translate: EditorialCommand {}
extension TranslateCommand: EditorialCommand {}
extension TagCommand: EditorialCommand {}
extension UntagCommand: EditorialCommand {}
extension SubjectCommand.Add: EditorialCommand {}
extension SubjectCommand.Rename: EditorialCommand {}
extension ImportCommand: EditorialCommand {}

/// Who a command acts as, when the command line and `PGUSER` do not say.
enum ActingLogin {
    /// Whether the command being run is an ``EditorialCommand``; set once
    /// the command line is parsed.
    private static let editorial = Atomic<Bool>(false)

    static var isEditorial: Bool {
        get { editorial.load(ordering: .relaxed) }
        set { editorial.store(newValue, ordering: .relaxed) }
    }

    /// The staff login to try first for an editorial command on the embedded
    /// database with neither `--as` nor `PGUSER`: the one named after the
    /// operating-system user, the way `psql` picks its default. Nil when
    /// something else names the login or the database is a server of the
    /// user's own (whose default user is libpq's business).
    static func ownLogin(given login: String?, target: DatabaseTarget) -> String? {
        guard login == nil, (Environment.variables["PGUSER"] ?? "").isEmpty, case .embedded = target,
            let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name
        else { return nil }
        let user = String(cString: name)
        return user.isEmpty || user == EmbeddedDatabase.superuser ? nil : user
    }

    /// Refuses an editorial command on a superuser's session. PostgreSQL
    /// reports `is_superuser` when the session starts, so this costs no
    /// round trip.
    static func check(_ connection: Connection) throws {
        guard connection.parameterStatus("is_superuser") == "on" else { return }
        let login = connection.parameterStatus("session_authorization") ?? "This login"
        throw NewsdeskError(
            .refused,
            """
            \(login) is a database superuser; newsroom work is done under a staff login: \
            use --as LOGIN (newsdesk staff list shows them).
            """)
    }

    /// Whether arguments not parsed yet look like an editorial command, so
    /// that the head start connects as the login that command will use. Only
    /// a guess: a wrong one costs a second connection, never the check.
    static func looksEditorial(_ words: ArraySlice<String>) -> Bool {
        guard let first = words.first else { return false }
        let second = words.dropFirst().first ?? ""
        switch first {
        case "story", "edit", "submit", "return", "publish", "unpublish", "republish", "restore", "translate",
            "tag", "untag", "import":
            return true
        case "update": return !["list", "history"].contains(second)
        case "subject": return ["add", "rename"].contains(second)
        default: return false
        }
    }
}
