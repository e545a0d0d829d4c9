#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A Swift value that can be sent as a query parameter.
public protocol PostgresEncodable: Sendable {
    /// The parameter as it goes over the wire.
    var postgresBinding: PostgresBinding { get }
}

extension String: PostgresEncodable {
    /// Strings go as untyped text so the server infers the column's type
    /// (text, varchar, an enum, a domain); cast in SQL where it cannot.
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: 0, format: .text, bytes: Array(utf8))
    }
}

extension Substring: PostgresEncodable {
    public var postgresBinding: PostgresBinding { String(self).postgresBinding }
}

/// Text that arrived as raw bytes (a file, stdin) and has not been checked yet.
/// The wrapper refuses it at execution time if it is not valid UTF-8 or holds a NUL.
public struct UTF8Bytes: PostgresEncodable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresBinding: PostgresBinding { PostgresBinding(oid: 0, format: .text, bytes: bytes) }
}

extension Int: PostgresEncodable {
    public var postgresBinding: PostgresBinding { Int64(self).postgresBinding }
}

extension Int32: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.int4, format: .binary, bytes: bigEndianBytes(UInt32(bitPattern: self)))
    }
}

extension Int64: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.int8, format: .binary, bytes: bigEndianBytes(UInt64(bitPattern: self)))
    }
}

extension Bool: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.bool, format: .binary, bytes: [self ? 1 : 0])
    }
}

extension Double: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.float8, format: .binary, bytes: bigEndianBytes(bitPattern))
    }
}

extension Date: PostgresEncodable {
    /// Sent as `timestamptz` in binary: microseconds since 2000-01-01 UTC, so
    /// the session's TimeZone and DateStyle play no part.
    public var postgresBinding: PostgresBinding {
        PostgresBinding(
            oid: PostgresType.timestamptz, format: .binary,
            bytes: bigEndianBytes(UInt64(bitPattern: PostgresTime.microseconds(from: self))))
    }
}

extension UUID: PostgresEncodable {
    public var postgresBinding: PostgresBinding {
        let u = uuid
        return PostgresBinding(
            oid: PostgresType.uuid, format: .binary,
            bytes: [
                u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15
            ])
    }
}

/// Binary data for a `bytea` parameter or column.
public struct ByteA: PostgresEncodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.bytea, format: .binary, bytes: bytes)
    }
}

extension Data: PostgresEncodable {
    public var postgresBinding: PostgresBinding { ByteA(Array(self)).postgresBinding }
}

/// A JSON document for a `jsonb` parameter or column, kept as its text.
public struct JSONB: PostgresEncodable, Hashable {
    public var text: String
    public init(_ text: String) { self.text = text }
    /// Encodes `value` with `JSONEncoder` (sorted keys, so equal values give equal text).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public var postgresBinding: PostgresBinding {
        PostgresBinding(oid: PostgresType.jsonb, format: .text, bytes: Array(text.utf8))
    }
    /// Decodes the document with `JSONDecoder`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresBinding: PostgresBinding { self?.postgresBinding ?? .null }
}

extension Array: PostgresEncodable where Element == String {
    /// A `text[]` in the binary array format, so no quoting or escaping is needed.
    public var postgresBinding: PostgresBinding {
        var bytes: [UInt8] = []
        bytes += bigEndianBytes(UInt32(1))  // dimensions
        bytes += bigEndianBytes(UInt32(0))  // has nulls
        bytes += bigEndianBytes(PostgresType.text)  // element type
        bytes += bigEndianBytes(UInt32(count))  // length
        bytes += bigEndianBytes(UInt32(1))  // lower bound
        for element in self {
            let utf8 = [UInt8](element.utf8)
            bytes += bigEndianBytes(UInt32(utf8.count))
            bytes += utf8
        }
        // Elements travel inside a binary value, where libpq would not cut at
        // a NUL but the server would refuse it after the fact: mark it here so
        // the wrapper refuses it before sending, like any text parameter.
        var binding = PostgresBinding(oid: PostgresType.textArray, format: .binary, bytes: bytes)
        if contains(where: { $0.utf8.contains(0) }) {
            binding.refusal = "contains a NUL byte, which PostgreSQL text cannot hold"
        }
        return binding
    }
}

func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// PostgreSQL keeps timestamps as microseconds since 2000-01-01 00:00 UTC.
enum PostgresTime {
    /// Seconds from 2000-01-01 to Foundation's reference date, 2001-01-01 (2000 was a leap year).
    static let referenceOffset: Double = 366 * 86_400

    static func microseconds(from date: Date) -> Int64 {
        Int64(((date.timeIntervalSinceReferenceDate + referenceOffset) * 1_000_000).rounded())
    }

    static func date(fromMicroseconds value: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(value) / 1_000_000 - referenceOffset)
    }
}
