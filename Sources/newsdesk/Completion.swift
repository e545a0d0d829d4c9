import ArgumentParser
import Logging
import NewsdeskCore
import PostgresClient

/// What the shell completes from the newsroom itself: staff logins, the
/// languages it publishes in, its subjects. The shell runs newsdesk to ask
/// (swift-argument-parser's custom completion); each list is one query to
/// the database the command would use, as the login `--as` names when it is
/// already typed. With no answer (no database yet, a login that may not
/// read the list) the shell completes nothing rather than print an error
/// into the command line.
enum NewsroomCompletion {
    /// Active staff logins (`--as`, `--byline`, `--add-byline`, `staff grant`).
    static let logins = CompletionKind.custom { words, index, prefix in
        values(
            "SELECT s->>'login' FROM jsonb_array_elements(desk.staff_list()->'staff') s WHERE (s->>'active')::boolean",
            words: words, typing: index, prefix: prefix)
    }

    /// The newsroom's languages, in its order (`--lang`, `--to`).
    static let languages = CompletionKind.custom { words, index, prefix in
        values(
            "SELECT jsonb_array_elements_text(site.about()->'languages')", words: words, typing: index, prefix: prefix)
    }

    /// Subject slugs (`--subject`, `tag`, `untag`).
    static let subjects = CompletionKind.custom { words, index, prefix in
        values(
            "SELECT x->>'slug' FROM jsonb_array_elements(desk.subject_list()->'subjects') x", words: words,
            typing: index, prefix: prefix)
    }

    /// The first column of `query` that starts with `prefix`; `typing` is
    /// the index in `words` of the word being completed.
    private static func values(_ query: Query, words: [String], typing: Int, prefix: String) -> [String] {
        // The login already given with --as acts; not the one being typed.
        let login = words.firstIndex(of: "--as").flatMap {
            words.indices.contains($0 + 1) && $0 + 1 != typing ? words[$0 + 1] : nil
        }
        let target = Environment.databaseTarget
        // A keystroke does not start the embedded database.
        if case .embedded(let database) = target, database.serverProcessID == nil { return [] }
        guard
            let connection = try? target.connect(
                as: login, environment: Environment.variables, logger: .init(label: "newsdesk-completion")),
            let rows = try? connection.query(query)
        else { return [] }
        return rows.compactMap { try? $0.decode(0, as: String.self) }.filter { $0.hasPrefix(prefix) }
    }
}
