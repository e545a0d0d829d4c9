public import PostgresClient

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Ukrainian lexicon that search reads words through: every form of the
/// hunspell-uk dictionary (Debian `hunspell-uk`) with its lemma, expanded by
/// hunspell's own `unmunch` (Debian `hunspell-tools`) and stored in
/// `newsroom.ukrainian_word_form`, so that "Києві" finds "Київ" without any
/// session loading a dictionary (docs/search.md says why).
public enum UkrainianLexicon {
    /// Where Debian installs the dictionary: `uk_UA.dic` and `uk_UA.aff`.
    public static let defaultDictionary = "/usr/share/hunspell/uk_UA"

    /// What a load did.
    public struct Loaded: Sendable, Codable {
        /// Word forms stored (those whose lemmas are not only themselves).
        public let forms: Int64
        /// Ukrainian editions indexed again.
        public let editions: Int64
        public let dictionary: String
    }

    /// Whether the dictionary and `unmunch` are installed, so that a load can run.
    public static func isAvailable(dictionary: String = defaultDictionary) -> Bool {
        access(dictionary + ".dic", R_OK) == 0 && access(dictionary + ".aff", R_OK) == 0 && unmunchPath() != nil
    }

    /// Replaces the lexicon with the one expanded from `dictionary` (a path
    /// without `.dic`/`.aff`) and indexes the Ukrainian editions again, in
    /// one transaction: readers never see half a lexicon. Needs the rights
    /// of the newsroom's owner (run it as the login that migrates).
    public static func load(into connection: Connection, dictionary: String = defaultDictionary) throws -> Loaded {
        let expanded = try expand(dictionary: dictionary)
        return try DatabaseErrors.translating {
            try connection.transaction { db in
                // One load at a time; the table is empty between loads.
                try db.execute("LOCK TABLE newsroom.ukrainian_word_form_load IN EXCLUSIVE MODE")
                try db.copy(
                    into: "ukrainian_word_form_load", inSchema: "newsroom", columns: ["form", "lemma"],
                    rows: FormLemmaPairs(output: expanded))
                let row = try db.query("SELECT forms, editions FROM newsroom.replace_ukrainian_lexicon()")[0]
                return Loaded(
                    forms: try row.decode("forms"), editions: try row.decode("editions"), dictionary: dictionary)
            }
        }
    }

    /// Runs `unmunch` over a copy of the dictionary in which every entry is
    /// preceded by a line `@@LEMMA` without affixes, so that the output
    /// names the lemma before each entry's forms (unmunch itself prints the
    /// forms alone).
    static func expand(dictionary: String) throws -> [UInt8] {
        guard let unmunch = unmunchPath() else {
            throw NewsdeskError(
                .unavailable,
                "Loading the Ukrainian lexicon needs hunspell's unmunch: apt-get install hunspell-tools.")
        }
        guard access(dictionary + ".aff", R_OK) == 0,
            let entries = try? String(contentsOfFile: dictionary + ".dic", encoding: .utf8)
        else {
            throw NewsdeskError(
                .unavailable,
                """
                dictionary: \(dictionary).dic and .aff cannot be read. Install the Ukrainian dictionary with \
                apt-get install hunspell-uk, or give --dictionary the path of another one (without .dic).
                """)
        }
        var marked = ""
        marked.reserveCapacity(entries.utf8.count * 2)
        var count = 0
        for line in entries.split(separator: "\n").dropFirst() {
            let word = line.prefix { $0 != "/" && $0 != "\t" && $0 != " " }
            guard !word.isEmpty else { continue }
            marked += "@@\(word)\n\(line)\n"
            count += 2
        }
        // In a folder of our own (mkdtemp, mode 0700): a shared /tmp must not
        // let anyone else plant or swap the file unmunch reads.
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/newsdesk-lexicon-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw NewsdeskError(.unavailable, "Cannot make a folder in \(base): \(String(cString: strerror(errno))).")
        }
        let folder = String(cString: made)
        let markedPath = folder + "/uk.dic"
        defer {
            unlink(markedPath)
            rmdir(folder)
        }
        try "\(count)\n\(marked)".write(toFile: markedPath, atomically: false, encoding: .utf8)
        let run = try ProcessRunner.capture(
            [unmunch, markedPath, dictionary + ".aff"].map { Array($0.utf8) }, environment: [:], stdin: [])
        guard run.status == 0, !run.stdout.isEmpty else {
            throw NewsdeskError(
                .unavailable,
                "unmunch could not expand \(dictionary).dic (exit \(run.status)): \(String(decoding: run.stderr.prefix(300), as: UTF8.self))"
            )
        }
        return run.stdout
    }

    static func unmunchPath() -> String? {
        let path = getenv("PATH").map { String(cString: $0).split(separator: ":").map(String.init) } ?? []
        return ProcessRunner.find("unmunch", in: path + ["/usr/bin", "/usr/local/bin"])
    }
}

/// The (form, lemma) rows of unmunch's output over the marked dictionary,
/// read as they are sent rather than all at once.
struct FormLemmaPairs: Sequence {
    let output: [UInt8]

    func makeIterator() -> AnyIterator<[String?]> {
        var lines = output.split(separator: UInt8(ascii: "\n")).makeIterator()
        var lemma: String?
        return AnyIterator {
            while let line = lines.next() {
                if line.starts(with: "@@".utf8) {
                    lemma = String(decoding: line.dropFirst(2), as: UTF8.self)
                } else if let lemma, !line.isEmpty {
                    return [String(decoding: line, as: UTF8.self), lemma]
                }
            }
            return nil
        }
    }
}
