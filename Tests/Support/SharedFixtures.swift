public import Foundation

/// The sample data the tests share, kept in the repository under
/// `Tests/Fixtures` (copies of the project's originals: the sample newsroom,
/// the transliteration table, and IPTC's ninjs 3.1 schema with its official
/// test suite, see `Tests/Fixtures/ninjs/README.md`), so a clone anywhere
/// passes its tests with nothing beside it.
public enum SharedFixtures {
    public static var directory: URL {
        CommandLineTool.packageRoot.appending(path: "Tests/Fixtures")
    }

    /// `(Ukrainian, Latin)` pairs of the national transliteration table.
    public static func transliterationPairs() throws -> [(String, String)] {
        let text = try String(contentsOf: directory.appending(path: "translit-uk-2010.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let columns = line.split(separator: "\t")
            return columns.count == 2 ? (String(columns[0]), String(columns[1])) : nil
        }
    }

    public static func newsroom() throws -> Newsroom {
        let data = try Data(contentsOf: directory.appending(path: "newsroom.json"))
        return try JSONDecoder().decode(Newsroom.self, from: data)
    }

    public struct Newsroom: Decodable, Sendable {
        public let timezone: String
        public let staff: [Staff]
        public let subjects: [Subject]
        public let story: Story
        public let timeCases: TimeCases

        enum CodingKeys: String, CodingKey {
            case timezone, staff, subjects, story, timeCases = "time_cases"
        }
    }

    public struct Staff: Decodable, Sendable {
        public let login: String
        public let roles: [String]
        public let names: [String: String]
    }

    public struct Subject: Decodable, Sendable {
        public let slug: String
        public let names: [String: String]
        public let mediatopic: String?
    }

    public struct Story: Decodable, Sendable {
        public let subjects: [String]
        public let bylines: [String]
        public let photo: Photo
        public let publishedLocal: String
        public let publishedUTC: String
        public let editions: [String: Edition]
        public let liveUpdates: [LiveUpdate]
        public let readerViewEnglish: ReaderViewEnglish

        enum CodingKeys: String, CodingKey {
            case subjects, bylines, photo, editions
            case publishedLocal = "published_local"
            case publishedUTC = "published_utc"
            case liveUpdates = "live_updates"
            case readerViewEnglish = "reader_view_en"
        }
    }

    public struct Photo: Decodable, Sendable {
        public let url: String
    }

    public struct Edition: Decodable, Sendable {
        public let headline: String
        public let lead: String
        public let body: String
        public let caption: String
        public let credit: String
        public let expectedSlug: String?

        enum CodingKeys: String, CodingKey {
            case headline, lead, body, caption, credit, expectedSlug = "expected_slug"
        }
    }

    public struct LiveUpdate: Decodable, Sendable {
        public let postedLocal: String
        public let author: String
        public let kind: String
        public let body: [String: String]

        enum CodingKeys: String, CodingKey {
            case author, kind, body, postedLocal = "posted_local"
        }
    }

    public struct ReaderViewEnglish: Decodable, Sendable {
        public let dateline: String
        public let updateLabel: String
        public let subjectsLine: String

        enum CodingKeys: String, CodingKey {
            case dateline, updateLabel = "update_label", subjectsLine = "subjects_line"
        }
    }

    public struct TimeCases: Decodable, Sendable {
        public let nonexistentLocal: [String]
        public let ambiguousLocal: [String]
        public let ordinaryLocal: [String: String]

        enum CodingKeys: String, CodingKey {
            case nonexistentLocal = "nonexistent_local"
            case ambiguousLocal = "ambiguous_local"
            case ordinaryLocal = "ordinary_local"
        }
    }
}
