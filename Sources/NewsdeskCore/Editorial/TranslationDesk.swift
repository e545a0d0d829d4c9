public import PostgresClient

/// Where one edition of a story stands against its source (SPEC §5 shape).
public struct TranslationState: Codable, Sendable {
    public struct Source: Codable, Sendable {
        public let editionID: Int64
        /// The source version this edition follows.
        public let version: Int
        public let lang: String
        /// The source's newest version.
        public let currentVersion: Int

        enum CodingKeys: String, CodingKey {
            case version, lang, editionID = "edition_id", currentVersion = "current_version"
        }
    }

    public let lang: String
    public let editionID: Int64
    public let slug: String
    public let status: EditionStatus
    public let version: Int
    /// Nil for the original.
    public let source: Source?
    /// The source has a newer version than the one translated.
    public let stale: Bool
    /// The source is itself behind its own source.
    public let staleUpstream: Bool
    /// Ids of source live updates with no translation in this edition.
    public let missingUpdates: [Int64]

    enum CodingKeys: String, CodingKey {
        case lang, slug, status, version, source, stale
        case editionID = "edition_id"
        case staleUpstream = "stale_upstream"
        case missingUpdates = "missing_updates"
    }

    /// Writes `source` as null for the original, as scripts expect the key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lang, forKey: .lang)
        try c.encode(editionID, forKey: .editionID)
        try c.encode(slug, forKey: .slug)
        try c.encode(status, forKey: .status)
        try c.encode(version, forKey: .version)
        try c.encode(source, forKey: .source)
        try c.encode(stale, forKey: .stale)
        try c.encode(staleUpstream, forKey: .staleUpstream)
        try c.encode(missingUpdates, forKey: .missingUpdates)
    }
}

public struct StoryTranslations: Codable, Sendable {
    public let storyID: Int64
    public let editions: [TranslationState]

    enum CodingKeys: String, CodingKey {
        case editions, storyID = "story_id"
    }
}

/// Translations of editions and of live updates, kept in step with their
/// source: each records the source version and updates it follows.
public struct TranslationDesk {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates the story's edition in `language` as a draft; fields not given
    /// are prefilled from the source. With `idempotencyKey`, repeating the same
    /// call returns the first result and changes nothing.
    public func translate(
        _ source: String, to language: String, headline: String? = nil, lead: String? = nil,
        body: String? = nil, caption: String? = nil, credit: String? = nil, idempotencyKey: String? = nil
    ) throws -> Edition {
        let headline = try TextField.headline.clean(ifGiven: headline)
        let lead = try TextField.lead.clean(ifGiven: lead)
        let body = try TextField.body.clean(ifGiven: body)
        let caption = try TextField.caption.clean(ifGiven: caption)
        let credit = try TextField.credit.clean(ifGiven: credit)
        let slug = headline.map { Slug.make(from: $0, language: language) }.flatMap { $0.isEmpty ? nil : $0 }
        return try DeskCall.decode(
            Edition.self,
            """
            SELECT desk.translate_edition(reference => \(source), to_lang => \(language), headline => \(headline),
                                          lead => \(lead), body => \(body), slug => \(slug),
                                          caption => \(caption), credit => \(credit),
                                          idempotency_key => \(idempotencyKey))
            """, on: connection)
    }

    /// Saves the translator's edit and records that the translation now
    /// follows the source's current version (`idempotencyKey` as in ``translate(_:to:headline:lead:body:caption:credit:idempotencyKey:)``).
    /// With `noChange` and no text, the translation follows it as it stands:
    /// no new revision, a `follow` step in its history. One of the two is
    /// required, so that "stale" is never cleared with nobody having looked.
    public func refresh(
        _ translation: String, _ changes: EditionChanges, expectVersion: Int?, noChange: Bool = false,
        idempotencyKey: String? = nil
    ) throws -> Edition {
        let changes = try changes.cleaned()
        return try DeskCall.decode(
            Edition.self,
            """
            SELECT desk.refresh_translation(reference => \(translation), headline => \(changes.headline),
                                            lead => \(changes.lead), body => \(changes.body),
                                            expect_version => \(expectVersion)::int, no_change => \(noChange),
                                            idempotency_key => \(idempotencyKey))
            """, on: connection)
    }

    public func translations(story: Int64) throws -> StoryTranslations {
        try DeskCall.decode(StoryTranslations.self, "SELECT desk.story_translations(\(story))", on: connection)
    }

    /// Adds the translated update to the story's edition in `language`
    /// (`idempotencyKey` as in ``translate(_:to:headline:lead:body:caption:credit:idempotencyKey:)``).
    public func translateUpdate(_ update: String, to language: String, body: String, idempotencyKey: String? = nil)
        throws -> LiveUpdate
    {
        try DeskCall.decode(
            LiveUpdate.self,
            """
            SELECT desk.translate_update(\(update), \(language), \(try TextField.updateBody.clean(body)), \(idempotencyKey))
            """, on: connection)
    }
}
