public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What kind of entry a live update is; readers see it as its label.
public enum UpdateKind: String, Codable, JSONReadable, Sendable, CaseIterable {
    case update, correction, clarification
}

/// A timestamped entry on a published edition (SPEC §1).
public struct LiveUpdate: JSONDocument, Encodable, Sendable {
    public let id: Int64
    public let editionID: Int64
    /// 1, 2, 3 … per edition, without gaps.
    public let seq: Int
    public let postedAt: Date
    public let localTime: LocalTime
    public let kind: UpdateKind
    /// Pinned as a key event.
    public let key: Bool
    public let author: String
    public let authorName: String?
    public let body: String
    public let version: Int
    public let editedAt: Date?
    public let editedLocal: LocalTime?
    public let withdrawnAt: Date?
    public let withdrawalReason: String?
    public let translationOf: Int64?

    enum CodingKeys: String, CodingKey {
        case id, seq, kind, key, author, body, version
        case editionID = "edition_id"
        case postedAt = "posted_at"
        case localTime = "local_time"
        case authorName = "author_name"
        case editedAt = "edited_at"
        case editedLocal = "edited_local"
        case withdrawnAt = "withdrawn_at"
        case withdrawalReason = "withdrawal_reason"
        case translationOf = "translation_of"
    }

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        id = try field(.id)
        editionID = try field(.editionID)
        seq = try field(.seq)
        postedAt = try field(.postedAt)
        localTime = try field(.localTime)
        kind = try field(.kind)
        key = try field(.key)
        author = try field(.author)
        authorName = try field.optional(.authorName)
        body = try field(.body)
        version = try field(.version)
        editedAt = try field.optional(.editedAt)
        editedLocal = try field.optional(.editedLocal)
        withdrawnAt = try field.optional(.withdrawnAt)
        withdrawalReason = try field.optional(.withdrawalReason)
        translationOf = try field.optional(.translationOf)
    }

    /// Writes every key, nulls included (`translation_of` is part of the SPEC §5 shape).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(editionID, forKey: .editionID)
        try c.encode(seq, forKey: .seq)
        try c.encode(postedAt, forKey: .postedAt)
        try c.encode(localTime, forKey: .localTime)
        try c.encode(kind, forKey: .kind)
        try c.encode(key, forKey: .key)
        try c.encode(author, forKey: .author)
        try c.encode(authorName, forKey: .authorName)
        try c.encode(body, forKey: .body)
        try c.encode(version, forKey: .version)
        try c.encode(editedAt, forKey: .editedAt)
        try c.encode(editedLocal, forKey: .editedLocal)
        try c.encode(withdrawnAt, forKey: .withdrawnAt)
        try c.encode(withdrawalReason, forKey: .withdrawalReason)
        try c.encode(translationOf, forKey: .translationOf)
    }
}

/// An edition's updates, withdrawn ones included (`update list`).
public struct UpdateListing: JSONDocument, Encodable, Sendable {
    public let editionID: Int64
    public let updates: [LiveUpdate]

    enum CodingKeys: String, CodingKey {
        case updates, editionID = "edition_id"
    }

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        editionID = try field(.editionID)
        updates = try field(.updates)
    }
}

/// One saved version of a live update.
public struct UpdateVersion: Codable, Sendable {
    public let version: Int
    public let kind: UpdateKind
    public let body: String
    public let key: Bool
    public let savedAt: Date
    public let localTime: LocalTime
    public let savedBy: String
    /// `add`, `edit`, `withdraw`, `key`, `unkey`.
    public let change: String
    public let note: String?

    enum CodingKeys: String, CodingKey {
        case version, kind, body, key, change, note
        case savedAt = "saved_at"
        case localTime = "local_time"
        case savedBy = "saved_by"
    }
}

public struct UpdateHistory: Codable, Sendable {
    public let updateID: Int64
    public let versions: [UpdateVersion]

    enum CodingKeys: String, CodingKey {
        case versions, updateID = "update_id"
    }
}

/// Live updates on published editions: append, edit, withdraw, pin. Each
/// call is one `desk` function (one round trip, one commit, one audit event).
/// An update is named by its id, or as `EDITION#N`, its number within the
/// edition that readers see (`uk/kyivrada-sklykaie-sesiiu#2`).
///
/// ```swift
/// let update = try LiveUpdateDesk(connection: connection)
///     .add(to: "uk/kyivrada-sklykaie-sesiiu", body: "Сесію перенесли на суботу.")
/// ```
public struct LiveUpdateDesk {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Appends an update; with `idempotencyKey`, repeating the same call
    /// returns the first result instead of adding again.
    public func add(
        to edition: String, body: String, kind: UpdateKind = .update, key: Bool = false,
        idempotencyKey: String? = nil
    ) throws -> LiveUpdate {
        try DeskCall.decode(
            LiveUpdate.self,
            """
            SELECT desk.add_update(\(edition), \(try TextField.updateBody.clean(body)), \(kind.rawValue), \(key), \(idempotencyKey))
            """, on: connection)
    }

    /// A new version of the update's text (the earlier one stays in its
    /// history). A `minor` fix keeps its "edited" time and sets no "updated"
    /// on the edition.
    public func edit(
        _ update: String, body: String?, kind: UpdateKind? = nil, minor: Bool = false, idempotencyKey: String? = nil
    ) throws -> LiveUpdate {
        try DeskCall.decode(
            LiveUpdate.self,
            """
            SELECT desk.edit_update(reference => \(update), body => \(try TextField.updateBody.clean(ifGiven: body)),
                kind => \(kind?.rawValue), minor => \(minor), idempotency_key => \(idempotencyKey))
            """, on: connection)
    }

    /// Hides the update from readers; it stays in its history.
    public func withdraw(_ update: String, reason: String, idempotencyKey: String? = nil) throws -> LiveUpdate {
        try DeskCall.decode(
            LiveUpdate.self,
            """
            SELECT desk.withdraw_update(\(update), \(try TextField.reason.clean(reason)), \(idempotencyKey))
            """, on: connection)
    }

    /// Pins or unpins the update as a key event.
    public func setKey(_ update: String, _ key: Bool, idempotencyKey: String? = nil) throws -> LiveUpdate {
        try DeskCall.decode(
            LiveUpdate.self, "SELECT desk.set_update_key(\(update), \(key), \(idempotencyKey))", on: connection)
    }

    public func list(_ edition: String) throws -> UpdateListing {
        try DeskCall.decode(UpdateListing.self, "SELECT desk.list_updates(\(edition))", on: connection)
    }

    public func history(_ update: String) throws -> UpdateHistory {
        try DeskCall.decode(UpdateHistory.self, "SELECT desk.update_history(\(update))", on: connection)
    }
}
