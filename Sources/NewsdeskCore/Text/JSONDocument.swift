#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A value read from a ``JSONValue``: the leaves (strings, numbers, times)
/// and the documents the database returns.
public protocol JSONReadable {
    /// Reads `json`; throws `DecodingError` when it has another shape.
    init(json: JSONValue) throws
}

/// A document the database returns, read from a ``JSONValue`` (itself read
/// by ``JSONValue/init(parsing:)``) rather than through `Codable`'s
/// containers: the documents a reader's page or a command reads (an
/// edition, its live updates). `init(json:)` is its one reading; as
/// `Decodable` it reads through the same.
public protocol JSONDocument: JSONReadable, Decodable {}

extension JSONDocument {
    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }
}

/// A JSON object's fields, read by a ``JSONDocument`` by the names in its
/// `CodingKeys`: a missing field or one of another type is an error that
/// names it, as `Codable`'s would.
public struct JSONFields<Key: CodingKey> {
    private let fields: [String: JSONValue]

    public init(_ json: JSONValue, keyedBy: Key.Type) throws {
        guard case .object(let fields) = json else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self, .init(codingPath: [], debugDescription: "Expected an object."))
        }
        self.fields = fields
    }

    /// A field that must be there and not null.
    public func callAsFunction<Value: JSONReadable>(_ key: Key) throws -> Value {
        guard let json = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [key], debugDescription: "No field \"\(key.stringValue)\"."))
        }
        if case .null = json {
            throw DecodingError.valueNotFound(
                Value.self, .init(codingPath: [key], debugDescription: "Field \"\(key.stringValue)\" is null."))
        }
        return try read(json, key)
    }

    /// A field that may be missing or null (nil then).
    public func optional<Value: JSONReadable>(_ key: Key) throws -> Value? {
        guard let json = fields[key.stringValue] else { return nil }
        if case .null = json { return nil }
        return try read(json, key)
    }

    /// Reads a field's value; an error inside it names the field too.
    private func read<Value: JSONReadable>(_ json: JSONValue, _ key: Key) throws -> Value {
        do {
            return try Value(json: json)
        } catch let error as DecodingError {
            func within(_ context: DecodingError.Context) -> DecodingError.Context {
                .init(
                    codingPath: [key] + context.codingPath,
                    debugDescription: "Field \"\(key.stringValue)\": \(context.debugDescription)")
            }
            switch error {
            case .typeMismatch(let type, let context): throw DecodingError.typeMismatch(type, within(context))
            case .valueNotFound(let type, let context): throw DecodingError.valueNotFound(type, within(context))
            case .keyNotFound(let inner, let context): throw DecodingError.keyNotFound(inner, within(context))
            case .dataCorrupted(let context): throw DecodingError.dataCorrupted(within(context))
            @unknown default: throw error
            }
        }
    }
}

extension JSONValue: JSONDocument {
    public init(json: JSONValue) {
        self = json
    }
}

extension DecodingError {
    /// `json` is not what `type` reads from.
    static func mismatch(_ type: Any.Type, _ json: JSONValue) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "Expected \(type), found \(json.kind)."))
    }
}

extension JSONValue {
    /// What kind of value this is, for messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension String: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .string(let text) = json else { throw DecodingError.mismatch(String.self, json) }
        self = text
    }
}

extension Bool: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .bool(let value) = json else { throw DecodingError.mismatch(Bool.self, json) }
        self = value
    }
}

extension Int64: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .integer(let value) = json else { throw DecodingError.mismatch(Int64.self, json) }
        self = value
    }
}

extension Int: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .integer(let value) = json, let fitting = Int(exactly: value) else {
            throw DecodingError.mismatch(Int.self, json)
        }
        self = fitting
    }
}

/// A time as the database writes it: RFC 3339 text (``NewsroomJSON``).
extension Date: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .string(let text) = json else { throw DecodingError.mismatch(Date.self, json) }
        guard let date = RFC3339.date(from: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not RFC 3339: \(text)"))
        }
        self = date
    }
}

extension Array: JSONReadable where Element: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .array(let elements) = json else { throw DecodingError.mismatch(Self.self, json) }
        self = try elements.map(Element.init(json:))
    }
}

/// A list of documents is read as one (two versions of an edition, for a diff).
extension Array: JSONDocument where Element: JSONDocument {}

extension Dictionary: JSONReadable where Key == String, Value: JSONReadable {
    public init(json: JSONValue) throws {
        guard case .object(let fields) = json else { throw DecodingError.mismatch(Self.self, json) }
        self = try fields.mapValues(Value.init(json:))
    }
}

/// An enumeration written as its raw text (an edition's status, an update's kind).
extension JSONReadable where Self: RawRepresentable, RawValue == String {
    public init(json: JSONValue) throws {
        guard case .string(let text) = json, let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "\(json) is not a \(Self.self)"))
        }
        self = value
    }
}
