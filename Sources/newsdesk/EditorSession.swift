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

/// An edition's text as the editor and kept files hold it: `Headline:` and
/// `Lead:` lines, a blank line, the body. A kept file starts with a `#` line
/// saying which version it was based on, and may carry a `Correction:` line.
struct EditorText: Equatable {
    var headline: String
    var lead: String
    var body: String
    var correction: String?
    /// The version the text was written against, when known.
    var basedOn: Int?

    init(headline: String, lead: String, body: String, correction: String? = nil, basedOn: Int? = nil) {
        self.headline = headline
        self.lead = lead
        self.body = Self.endTrimmed(body)
        self.correction = correction
        self.basedOn = basedOn
    }

    init(_ edition: Edition) {
        self.init(headline: edition.headline, lead: edition.lead.replacing("\n", with: " "), body: edition.body)
    }

    /// The text with `changes` made to it.
    func applying(_ changes: EditionChanges) -> EditorText {
        EditorText(
            headline: changes.headline ?? headline, lead: changes.lead?.replacing("\n", with: " ") ?? lead,
            body: changes.body ?? body, correction: correction, basedOn: basedOn)
    }

    /// What the editor opens: the fields alone.
    var fields: String { "Headline: \(headline)\nLead: \(lead)\n\n\(body)" }

    /// Whitespace at the very end of a body means nothing in Markdown, and
    /// editors add some (vim a final newline): it is neither a change nor kept.
    static func endTrimmed(_ body: String) -> String {
        String(body.reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Reads text in this format that came from a file (the editor's, a kept
    /// one), checked as text first: valid UTF-8, no control characters.
    static func read(_ bytes: [UInt8], field: String) throws -> EditorText {
        try parse(TextField(name: field, maximumBytes: 2 << 20, multiline: true, mayBeEmpty: true).clean(bytes: bytes))
    }

    /// Reads the format back. `#` lines before the fields are comments; the
    /// one a kept file starts with says "based on version N".
    static func parse(_ text: String) throws -> EditorText {
        var headline: String?, lead = "", correction: String?, basedOn: Int?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.first, line.hasPrefix("#") {
            // "# Unsaved edit of EDITION, based on version N, TIME"
            if let words = line.split(separator: ", ").first(where: { $0.hasPrefix("based on version ") }) {
                basedOn = Int(words.dropFirst("based on version ".count))
            }
            lines = lines.dropFirst()
        }
        while let line = lines.first, !line.isEmpty {
            if line.hasPrefix("Headline:") {
                headline = String(line.dropFirst("Headline:".count)).trimmingSpaces()
            } else if line.hasPrefix("Lead:") {
                lead = String(line.dropFirst("Lead:".count)).trimmingSpaces()
            } else if line.hasPrefix("Correction:") {
                correction = String(line.dropFirst("Correction:".count)).trimmingSpaces()
            } else {
                break
            }
            lines = lines.dropFirst()
        }
        guard let headline else {
            throw NewsdeskError(.badInput, "edited text: the first line must be \"Headline: …\".")
        }
        if lines.first?.isEmpty == true { lines = lines.dropFirst() }
        return EditorText(
            headline: headline, lead: lead, body: lines.joined(separator: "\n"), correction: correction,
            basedOn: basedOn)
    }

    /// The fields that differ from `edition`, checked; nil when none does.
    func changes(from edition: Edition) throws -> EditionChanges? {
        try changes(from: EditorText(edition))
    }

    private func changes(from other: EditorText) throws -> EditionChanges? {
        var changes = EditionChanges()
        if headline != other.headline { changes.headline = try TextField.headline.clean(headline) }
        if lead != other.lead { changes.lead = try TextField.lead.clean(lead) }
        if body != other.body { changes.body = try TextField.body.clean(body) }
        return changes.isEmpty ? nil : changes
    }

    /// This text, written against `base`, made into changes to `current`,
    /// which others may have saved since: a field this text left as it was
    /// in `base` keeps what `current` has; a field changed both here and
    /// there, differently, is a conflict (exit 2) naming the fields.
    func changes(base: Edition, current: Edition, file: String) throws -> EditionChanges? {
        let before = EditorText(base), now = EditorText(current)
        var merged = now
        var clashes: [String] = []
        for (name, field) in [
            ("headline", \EditorText.headline), ("lead", \EditorText.lead), ("body", \EditorText.body)
        ] {
            guard self[keyPath: field] != before[keyPath: field] else { continue }
            if now[keyPath: field] != before[keyPath: field] && now[keyPath: field] != self[keyPath: field] {
                clashes.append(name)
            }
            merged[keyPath: field] = self[keyPath: field]
        }
        guard clashes.isEmpty else {
            throw NewsdeskError(
                .conflict(
                    .init(currentVersion: current.version, savedBy: current.savedBy ?? "", savedAt: current.savedAt)),
                """
                \(clashes.joined(separator: ", ")): changed in \(file) and in version \(current.version) of \
                \(current.reference) since version \(base.version). Merge them in the file by hand, make its first \
                line say "based on version \(current.version)", and run this again.
                """)
        }
        return try merged.changes(from: now)
    }
}

/// Editing an edition in `$VISUAL` or `$EDITOR` (see ``EditorText``); what
/// comes back is checked like any other input.
enum EditorSession {
    static var editor: String? {
        let environment = Environment.variables
        return [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    /// The changes the user made, or nil when they changed nothing (or only
    /// whitespace at the end of the body).
    static func edit(_ edition: Edition) throws -> EditionChanges? {
        guard let editor else {
            throw ValidationError(
                """
                Nothing to change: give --headline, --lead, --body or --body-file, or set EDITOR to edit in your editor.
                """)
        }
        let original = EditorText(edition).fields
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
        try EditorText.read(bytes, field: "edited text").changes(from: edition)
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
