import ArgumentParser
import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Editing an edition in `$VISUAL` or `$EDITOR`: the text goes to a file as
/// `Headline:` and `Lead:` lines, a blank line and the body; what comes back
/// is checked like any other input.
enum EditorSession {
    static var editor: String? {
        let environment = Environment.variables
        return [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    /// The changes the user made, or nil when they changed nothing.
    static func edit(_ edition: Edition) throws -> EditionChanges? {
        guard let editor else {
            throw ValidationError(
                """
                Nothing to change: give --headline, --lead, --body or --body-file, or set EDITOR to edit in your editor.
                """)
        }
        let original =
            "Headline: \(edition.headline)\nLead: \(edition.lead.replacing("\n", with: " "))\n\n\(edition.body)"
        // 0600 with a name nobody can guess, since the draft is not public and
        // the temporary folder is shared with every local user.
        let folder = (Environment.variables["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        guard
            let path = PrivateFiles.create(
                directory: folder, prefix: "newsdesk-\(edition.id)-", suffix: ".md",
                bytes: Array(original.utf8))
        else {
            throw NewsdeskError(
                .refused,
                "Could not make a temporary file for the editor in \(folder): \(String(cString: strerror(errno))).")
        }
        defer { unlink(path) }

        let status = try runAttached(["/bin/sh", "-c", "\(editor) \"$1\"", "sh", path])
        let bytes = try TextInput.readAll(path, field: "edited text")
        // From here on, whatever goes wrong, the text the user typed is kept.
        do {
            guard status == 0 else {
                throw NewsdeskError(.refused, "The editor exited with status \(status); nothing was saved.")
            }
            return try changes(from: bytes, to: edition)
        } catch {
            guard bytes != Array(original.utf8), let kept = UnsavedText.keep(raw: bytes, edition: edition.reference)
            else { throw error }
            throw KeptText(underlying: error, path: kept)
        }
    }

    /// What changed between `edition` and the text that came back, checked.
    private static func changes(from bytes: [UInt8], to edition: Edition) throws -> EditionChanges? {
        let text = try TextField(name: "edited text", maximumBytes: 2 << 20, multiline: true, mayBeEmpty: true).clean(
            bytes: bytes)
        let parsed = try parse(text)
        var changes = EditionChanges()
        if parsed.headline != edition.headline { changes.headline = try TextField.headline.clean(parsed.headline) }
        if parsed.lead != edition.lead.replacing("\n", with: " ") {
            changes.lead = try TextField.lead.clean(parsed.lead)
        }
        if parsed.body != edition.body { changes.body = try TextField.body.clean(parsed.body) }
        return changes.isEmpty ? nil : changes
    }

    static func parse(_ text: String) throws -> (headline: String, lead: String, body: String) {
        var headline: String?, lead = ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.first, !line.isEmpty {
            if line.hasPrefix("Headline:") {
                headline = String(line.dropFirst("Headline:".count))
            } else if line.hasPrefix("Lead:") {
                lead = String(line.dropFirst("Lead:".count))
            } else {
                break
            }
            lines = lines.dropFirst()
        }
        guard let headline else {
            throw NewsdeskError(.badInput, "edited text: the first line must be \"Headline: …\".")
        }
        if lines.first?.isEmpty == true { lines = lines.dropFirst() }
        return (headline.trimmingSpaces(), lead.trimmingSpaces(), lines.joined(separator: "\n"))
    }

    /// Runs a program on the user's terminal and waits for it.
    static func runAttached(_ arguments: [String]) throws -> Int32 {
        do {
            return try ProcessRunner.runAttached(arguments)
        } catch let failure as ProcessRunner.Failure {
            throw NewsdeskError(.refused, "Could not start the editor: \(failure.reason).")
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
