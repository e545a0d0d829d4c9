import NewsdeskCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Keeps what someone typed when it could not be saved (a conflict, an
/// error), in a file whose path the tool prints: nothing typed is lost.
///
/// The folder is `NEWSDESK_UNSAVED_DIR`, else `$XDG_STATE_HOME/newsdesk/unsaved`,
/// else `~/.local/state/newsdesk/unsaved`. The file holds the fields as
/// `Headline:` and `Lead:` lines, a blank line, then the body.
enum UnsavedText {
    static func keep(_ changes: EditionChanges, correction: String? = nil, edition: String, basedOn version: Int?) -> String? {
        guard changes.headline != nil || changes.lead != nil || changes.body != nil || correction != nil else { return nil }
        var text = "# Unsaved edit of \(edition)"
        if let version { text += ", based on version \(version)" }
        text += ", \(RFC3339.string(from: Date()))\n"
        if let headline = changes.headline { text += "Headline: \(headline)\n" }
        if let lead = changes.lead { text += "Lead: \(lead.replacing("\n", with: " "))\n" }
        if let correction { text += "Correction: \(correction.replacing("\n", with: " "))\n" }
        text += "\n" + (changes.body ?? "")
        return write(text, name: edition)
    }

    static var directory: String {
        let environment = Environment.variables
        if let configured = environment["NEWSDESK_UNSAVED_DIR"], !configured.isEmpty { return configured }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/newsdesk/unsaved" }
        return (environment["HOME"] ?? "/tmp") + "/.local/state/newsdesk/unsaved"
    }

    private static func write(_ text: String, name: String) -> String? {
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(60))
        let stamp = RFC3339.string(from: Date()).filter { $0.isNumber }
        let path = "\(directory)/\(safeName)-\(stamp)-\(getpid()).md"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        } catch {
            return nil
        }
    }
}
