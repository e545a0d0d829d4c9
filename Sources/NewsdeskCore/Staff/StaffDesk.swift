public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A person of the newsroom: a PostgreSQL login role of the same name.
public struct StaffMember: Codable, Sendable {
    public let login: String
    /// Display name per language (`uk`, `ru`, `en`, …).
    public let names: [String: String]
    public let active: Bool
    /// `reporter`, `translator`, `editor`, `admin`.
    public let roles: [String]
    public let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case login, names, active, roles, createdAt = "created_at"
    }
}

/// Who is acting: the login the database authenticated, and its roles.
public struct Actor: Codable, Sendable {
    public let login: String
    public let roles: [String]
}

/// Staff management (admins only, checked by the database): each call is
/// one `desk` function, recorded in the audit log.
public struct StaffDesk {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates the person's login role (if it does not exist yet) and their staff record.
    public func add(_ login: String, roles: [String], names: [String: String], idempotencyKey: String? = nil) throws
        -> StaffMember
    {
        try DeskCall.decode(
            StaffMember.self,
            """
            SELECT desk.staff_add(\(login), \(roles), \(JSONB(encoding: names)), \(idempotencyKey))
            """, on: connection)
    }

    public func grant(_ login: String, role: String, idempotencyKey: String? = nil) throws -> StaffMember {
        try DeskCall.decode(
            StaffMember.self, "SELECT desk.staff_grant(\(login), \(role), \(idempotencyKey))", on: connection)
    }

    public func revoke(_ login: String, role: String, idempotencyKey: String? = nil) throws -> StaffMember {
        try DeskCall.decode(
            StaffMember.self, "SELECT desk.staff_revoke(\(login), \(role), \(idempotencyKey))", on: connection)
    }

    /// The login stops working; the person's work and history stay.
    public func deactivate(_ login: String, idempotencyKey: String? = nil) throws -> StaffMember {
        try DeskCall.decode(
            StaffMember.self, "SELECT desk.staff_deactivate(\(login), \(idempotencyKey))", on: connection)
    }

    public func list() throws -> [StaffMember] {
        struct Listing: Decodable { let staff: [StaffMember] }
        return try DeskCall.decode(Listing.self, "SELECT desk.staff_list()", on: connection).staff
    }

    public func whoami() throws -> Actor {
        try DeskCall.decode(Actor.self, "SELECT desk.whoami()", on: connection)
    }
}
