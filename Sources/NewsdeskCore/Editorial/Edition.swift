#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where an edition is in its life (SPEC §2).
public enum EditionStatus: String, Codable, JSONReadable, Sendable, CaseIterable {
    case draft
    case inReview = "in_review"
    case scheduled
    case published
    case withdrawn

    /// As people say it: "in review".
    public var words: String { rawValue.replacingUnderscores() }
}

/// A wall-clock time in the newsroom's zone, as readers see it.
public struct LocalTime: Codable, JSONReadable, Sendable, Equatable {
    /// `2023-10-26 16:43`
    public let text: String
    /// ISO weekday: Monday is 1, Sunday 7.
    public let weekday: Int

    public init(text: String, weekday: Int) {
        self.text = text
        self.weekday = weekday
    }

    /// Inside the documents read as ``JSONDocument``s; inside others (a feed's
    /// items, the audit log) through its `Codable` conformance.
    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        text = try field(.text)
        weekday = try field(.weekday)
    }

    enum CodingKeys: String, CodingKey {
        case text, weekday
    }

    /// The wall time with its offset from UTC (`2023-10-26 16:43 +03:00`), for
    /// staff: unambiguous next to a clock change, or read in another zone.
    /// `instant` is the time this wall time shows; the offset is the
    /// difference between the two, so no zone rules are needed here.
    public func zoned(_ instant: Date) -> String {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard parts.count == 5 else { return text }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt  // built in: a zone looked up by name needs ICU, which a static build lacks
        let components = DateComponents(
            year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4])
        guard let wall = calendar.date(from: components) else { return text }
        let minutes =
            Int((wall.timeIntervalSince1970 / 60).rounded(.down))
            - Int((instant.timeIntervalSince1970 / 60).rounded(.down))
        let sign = minutes < 0 ? "-" : "+"
        let hours = String(abs(minutes) / 60), rest = String(abs(minutes) % 60)
        return "\(text) \(sign)\(hours.count < 2 ? "0" + hours : hours):\(rest.count < 2 ? "0" + rest : rest)"
    }
}

/// A story in one language, as the database returns it (SPEC §5 JSON shape).
public struct Edition: JSONDocument, Encodable, Sendable {
    public struct Photo: JSONDocument, Encodable, Sendable, Equatable {
        public let url: String
        public let caption: String?
        public let credit: String?

        public init(url: String, caption: String?, credit: String?) {
            self.url = url
            self.caption = caption
            self.credit = credit
        }

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            url = try field(.url)
            caption = try field.optional(.caption)
            credit = try field.optional(.credit)
        }

        /// Every key, null when there is no caption or credit.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(caption, forKey: .caption)
            try c.encode(credit, forKey: .credit)
        }

        enum CodingKeys: String, CodingKey {
            case url, caption, credit
        }
    }

    /// What a translation was made from.
    public struct Source: JSONDocument, Encodable, Sendable, Equatable {
        public let editionID: Int64
        public let version: Int

        public init(editionID: Int64, version: Int) {
            self.editionID = editionID
            self.version = version
        }

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            editionID = try field(.editionID)
            version = try field(.version)
        }

        enum CodingKeys: String, CodingKey {
            case version, editionID = "edition_id"
        }
    }

    /// A subject as readers see it, named in the edition's language.
    public struct SubjectName: JSONDocument, Encodable, Sendable {
        public let slug: String
        public let name: String
        public let mediatopic: String?

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            slug = try field(.slug)
            name = try field(.name)
            mediatopic = try field.optional(.mediatopic)
        }

        enum CodingKeys: String, CodingKey {
            case slug, name, mediatopic
        }
    }

    /// Another story on the same subjects, in the same language.
    public struct Related: JSONDocument, Encodable, Sendable {
        public let editionID: Int64
        public let slug: String
        public let headline: String

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            editionID = try field(.editionID)
            slug = try field(.slug)
            headline = try field(.headline)
        }

        enum CodingKeys: String, CodingKey {
            case slug, headline, editionID = "edition_id"
        }
    }

    /// Another edition of the same story (the language switcher).
    /// One edition of the story, for the language switch.
    public struct LanguageEdition: JSONDocument, Encodable, Sendable {
        public let lang: String
        public let id: Int64
        public let slug: String
        /// The language's own name: "Українська".
        public let language: String
        public let status: EditionStatus
        /// Whether readers can open it now (published, embargo lifted).
        public let visible: Bool

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            lang = try field(.lang)
            id = try field(.id)
            slug = try field(.slug)
            language = try field(.language)
            status = try field(.status)
            visible = try field(.visible)
        }

        enum CodingKeys: String, CodingKey {
            case lang, id, slug, language, status, visible
        }
    }

    public struct Correction: JSONDocument, Encodable, Sendable {
        public let at: Date
        public let note: String
        public let version: Int
        public let localTime: LocalTime

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            at = try field(.at)
            note = try field(.note)
            version = try field(.version)
            localTime = try field(.localTime)
        }

        enum CodingKeys: String, CodingKey {
            case at, note, version, localTime = "local_time"
        }
    }

    public let id: Int64
    public let storyID: Int64
    public let lang: String
    public let slug: String
    public let headline: String
    public let lead: String
    public let body: String
    public let status: EditionStatus
    /// The version shown (an earlier one with `show --version`).
    public let version: Int
    /// The newest version.
    public let currentVersion: Int
    public let publishedAt: Date?
    public let updatedAt: Date?
    public let scheduledAt: Date?
    public let embargoUntil: Date?
    public let savedAt: Date
    /// When the edition was created (its first revision).
    public let createdAt: Date?
    public let savedBy: String?
    /// Logins, in byline order.
    public let bylines: [String]
    /// Display names of the bylined staff in the edition's language.
    public let bylineNames: [String: String]
    /// A revision saved for later that readers do not see yet (staff only).
    public struct ScheduledRevision: JSONDocument, Encodable, Sendable, Equatable {
        public let version: Int
        public let at: Date
        public let localTime: LocalTime

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            version = try field(.version)
            at = try field(.at)
            localTime = try field(.localTime)
        }

        enum CodingKeys: String, CodingKey {
            case version, at
            case localTime = "local_time"
        }
    }
    public let scheduledRevision: ScheduledRevision?
    /// Who translated it (logins), credited apart from the byline.
    public let translators: [String]
    /// Their display names in the edition's language.
    public let translatorNames: [String: String]
    public let subjects: [String]
    public let subjectNames: [SubjectName]
    public let related: [Related]
    public let photo: Photo?
    public let video: Bool
    public let corrections: [Correction]
    /// Live updates readers see, in seq order (withdrawn ones are not here).
    public let updates: [LiveUpdate]
    /// Withdrawn live updates, kept for the record and for export.
    public let withdrawnUpdates: [LiveUpdate]
    /// The story's editions: language → edition id.
    public let editions: [String: Int64]
    /// Every edition of the story, this one included, in the newsroom's order of languages.
    public let languageEditions: [LanguageEdition]
    /// Set when this edition is a translation.
    public let translatedFrom: Source?
    public let reviewNote: String?
    public let withdrawalReason: String?
    public let timezone: String
    /// Where readers find the site (links are built on it).
    public let siteURL: String
    public let publishedLocal: LocalTime?
    public let updatedLocal: LocalTime?
    public let scheduledLocal: LocalTime?
    public let embargoLocal: LocalTime?

    /// `uk/kyivrada-sklykaie-…`, how people name an edition.
    public var reference: String { "\(lang)/\(slug)" }

    enum CodingKeys: String, CodingKey {
        case id, lang, slug, headline, lead, body, status, version, bylines, subjects, photo, video, corrections,
            editions, timezone
        case storyID = "story_id"
        case bylineNames = "byline_names"
        case translators
        case translatorNames = "translator_names"
        case scheduledRevision = "scheduled_revision"
        case currentVersion = "current_version"
        case publishedAt = "published_at"
        case updatedAt = "updated_at"
        case scheduledAt = "scheduled_at"
        case embargoUntil = "embargo_until"
        case savedAt = "saved_at"
        case createdAt = "created_at"
        case withdrawnUpdates = "withdrawn_updates"
        case savedBy = "saved_by"
        case reviewNote = "review_note"
        case withdrawalReason = "withdrawal_reason"
        case publishedLocal = "published_local"
        case updatedLocal = "updated_local"
        case scheduledLocal = "scheduled_local"
        case embargoLocal = "embargo_local"
        case translatedFrom = "translated_from"
        case languageEditions = "language_editions"
        case subjectNames = "subject_names"
        case related
        case siteURL = "site_url"
        case updates
    }

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        id = try field(.id)
        storyID = try field(.storyID)
        lang = try field(.lang)
        slug = try field(.slug)
        headline = try field(.headline)
        lead = try field(.lead)
        body = try field(.body)
        status = try field(.status)
        version = try field(.version)
        currentVersion = try field(.currentVersion)
        publishedAt = try field.optional(.publishedAt)
        updatedAt = try field.optional(.updatedAt)
        scheduledAt = try field.optional(.scheduledAt)
        embargoUntil = try field.optional(.embargoUntil)
        savedAt = try field(.savedAt)
        createdAt = try field.optional(.createdAt)
        savedBy = try field.optional(.savedBy)
        bylines = try field(.bylines)
        bylineNames = try field.optional(.bylineNames) ?? [:]
        translators = try field.optional(.translators) ?? []
        scheduledRevision = try field.optional(.scheduledRevision)
        translatorNames = try field.optional(.translatorNames) ?? [:]
        subjects = try field(.subjects)
        subjectNames = try field.optional(.subjectNames) ?? []
        related = try field.optional(.related) ?? []
        photo = try field.optional(.photo)
        video = try field(.video)
        corrections = try field(.corrections)
        updates = try field(.updates)
        withdrawnUpdates = try field.optional(.withdrawnUpdates) ?? []
        editions = try field(.editions)
        languageEditions = try field.optional(.languageEditions) ?? []
        translatedFrom = try field.optional(.translatedFrom)
        reviewNote = try field.optional(.reviewNote)
        withdrawalReason = try field.optional(.withdrawalReason)
        timezone = try field(.timezone)
        siteURL = try field.optional(.siteURL) ?? "https://newsroom.example"
        publishedLocal = try field.optional(.publishedLocal)
        updatedLocal = try field.optional(.updatedLocal)
        scheduledLocal = try field.optional(.scheduledLocal)
        embargoLocal = try field.optional(.embargoLocal)
    }

    /// Writes every field of the SPEC §5 shape, nulls included, so scripts
    /// can rely on each key being present.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(storyID, forKey: .storyID)
        try c.encode(lang, forKey: .lang)
        try c.encode(slug, forKey: .slug)
        try c.encode(headline, forKey: .headline)
        try c.encode(lead, forKey: .lead)
        try c.encode(body, forKey: .body)
        try c.encode(status, forKey: .status)
        try c.encode(version, forKey: .version)
        try c.encode(currentVersion, forKey: .currentVersion)
        try c.encode(publishedAt, forKey: .publishedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(scheduledAt, forKey: .scheduledAt)
        try c.encode(embargoUntil, forKey: .embargoUntil)
        try c.encode(savedAt, forKey: .savedAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(savedBy, forKey: .savedBy)
        try c.encode(bylines, forKey: .bylines)
        try c.encode(bylineNames, forKey: .bylineNames)
        try c.encode(translators, forKey: .translators)
        try c.encode(scheduledRevision, forKey: .scheduledRevision)
        try c.encode(translatorNames, forKey: .translatorNames)
        try c.encode(subjects, forKey: .subjects)
        try c.encode(subjectNames, forKey: .subjectNames)
        try c.encode(related, forKey: .related)
        try c.encode(photo, forKey: .photo)
        try c.encode(video, forKey: .video)
        try c.encode(corrections, forKey: .corrections)
        try c.encode(editions, forKey: .editions)
        try c.encode(reviewNote, forKey: .reviewNote)
        try c.encode(withdrawalReason, forKey: .withdrawalReason)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(siteURL, forKey: .siteURL)
        try c.encode(publishedLocal, forKey: .publishedLocal)
        try c.encode(updatedLocal, forKey: .updatedLocal)
        try c.encode(scheduledLocal, forKey: .scheduledLocal)
        try c.encode(embargoLocal, forKey: .embargoLocal)
        try c.encode(translatedFrom, forKey: .translatedFrom)
        try c.encode(languageEditions, forKey: .languageEditions)
        try c.encode(updates, forKey: .updates)
        try c.encode(withdrawnUpdates, forKey: .withdrawnUpdates)
    }
}

/// One line of an edition's history: a saved revision or a lifecycle change.
public struct HistoryEntry: Codable, Sendable {
    public let at: Date
    public let localTime: LocalTime
    public let actor: String
    /// `create`, `edit`, `minor` (a silent fix), `correction`, `restore`, `submit`, `return`, `publish`, `schedule`,
    /// `unpublish`, `republish`, `follow` (a translation following a new source version with no change).
    public let action: String
    /// Set for revisions.
    public let version: Int?
    public let note: String?
    public let headline: String?

    enum CodingKeys: String, CodingKey {
        case at, actor, action, version, note, headline, localTime = "local_time"
    }
}

public struct EditionHistory: Codable, Sendable {
    public let editionID: Int64
    public let entries: [HistoryEntry]

    enum CodingKeys: String, CodingKey {
        case entries, editionID = "edition_id"
    }
}

extension String {
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}

/// JSON as the database and the tool write it: RFC 3339 timestamps.
public enum NewsroomJSON {
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not RFC 3339: \(text)"))
            }
            return date
        }
        return decoder
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        return encoder
    }
}

/// Which edition and version an edit saved: all that
/// ``EditionDesk/saveRevision(_:_:expectVersion:correction:minor:)`` answers.
public struct SavedVersion: Sendable, Equatable {
    public let id: Int64
    public let storyID: Int64
    public let lang: String
    public let slug: String
    public let version: Int

    /// `LANG/slug`.
    public var reference: String { "\(lang)/\(slug)" }
}
