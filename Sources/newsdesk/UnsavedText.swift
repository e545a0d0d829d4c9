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
/// `Headline:` and `Lead:` lines, a blank line, then the body (``EditorText``):
/// the whole text when the edition is known, so that `edit EDITION
/// --from-file FILE` takes it up again. Unpublished
/// drafts are nobody else's business: the folder is 0700 and each file 0600,
/// with a name nobody can guess beforehand (so nobody can put a link there first).
enum UnsavedText {
    /// Keeps `text`, the whole of what the user wrote against `version`.
    static func keep(_ text: EditorText, correction: String?, edition: String, basedOn version: Int?) -> String? {
        var header = "# Unsaved edit of \(edition)"
        if let version { header += ", based on version \(version)" }
        header += ", \(RFC3339.string(from: Date()))\n"
        if let correction { header += "Correction: \(correction.replacing("\n", with: " "))\n" }
        return write(Array((header + text.fields).utf8), name: edition)
    }

    /// Keeps the fields the user gave (when the rest of the edition is not known).
    static func keep(_ changes: EditionChanges, correction: String? = nil, edition: String, basedOn version: Int?)
        -> String?
    {
        guard changes.headline != nil || changes.lead != nil || changes.body != nil || correction != nil else {
            return nil
        }
        var text = "# Unsaved edit of \(edition)"
        if let version { text += ", based on version \(version)" }
        text += ", \(RFC3339.string(from: Date()))\n"
        if let headline = changes.headline { text += "Headline: \(headline)\n" }
        if let lead = changes.lead { text += "Lead: \(lead.replacing("\n", with: " "))\n" }
        if let correction { text += "Correction: \(correction.replacing("\n", with: " "))\n" }
        text += "\n" + (changes.body ?? "")
        return write(Array(text.utf8), name: edition)
    }

    /// Keeps bytes exactly as the user left them in their editor, even when
    /// they are not valid text: they are still the user's work.
    static func keep(raw bytes: [UInt8], edition: String) -> String? {
        write(bytes, name: edition)
    }

    static var directory: String {
        let environment = Environment.variables
        if let configured = environment["NEWSDESK_UNSAVED_DIR"], !configured.isEmpty { return configured }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/newsdesk/unsaved" }
        return (environment["HOME"] ?? "/tmp") + "/.local/state/newsdesk/unsaved"
    }

    private static func write(_ bytes: [UInt8], name: String) -> String? {
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(60))
        let stamp = RFC3339.string(from: Date()).filter { $0.isNumber }
        guard PrivateFiles.makeDirectory(directory) else { return nil }
        return PrivateFiles.create(directory: directory, prefix: "\(safeName)-\(stamp)-", suffix: ".md", bytes: bytes)
    }
}

/// Files only their owner may read, for text that is not public yet.
enum PrivateFiles {
    /// Makes `path` and any missing parents with mode 0700; an existing
    /// `path` that we own but others may enter is made 0700. False when it
    /// cannot be made, or is not a directory.
    static func makeDirectory(_ path: String) -> Bool {
        var parts: [Substring] = []
        var current = Substring(path)
        // Find the nearest existing ancestor, then create downwards.
        while !current.isEmpty, access(String(current), F_OK) != 0 {
            parts.append(current)
            guard let slash = current.lastIndex(of: "/") else { break }
            current = current[..<slash]
        }
        for part in parts.reversed() {
            if mkdir(String(part), 0o700) != 0 && errno != EEXIST { return false }
        }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return false }
        if info.st_uid == geteuid(), info.st_mode & 0o077 != 0 {
            _ = chmod(path, 0o700)
        }
        return true
    }

    /// Creates a new file `directory/prefix` + six random characters + `suffix`
    /// with mode 0600 (mkstemps: O_EXCL, so never someone else's file or
    /// link), writes `bytes` and returns its path.
    static func create(directory: String, prefix: String, suffix: String, bytes: [UInt8]) -> String? {
        var template = Array("\(directory)/\(prefix)XXXXXX\(suffix)".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        guard descriptor >= 0 else { return nil }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { close(descriptor) }
        guard Descriptor.writeAll(descriptor, bytes) == nil else {
            unlink(path)
            return nil
        }
        return path
    }
}
