#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A Swift type a column can be decoded into. Results arrive in binary format,
/// so decoding never depends on session settings such as DateStyle or TimeZone.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value; throws a decoding error naming the column on a type mismatch.
    static func decode(from cell: PostgresCell) throws -> Self
    /// Called for SQL NULL. Only `Optional` accepts it.
    static func decodeNull(column: String) throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: String) throws -> Self {
        throw PostgresError.decoding(column: column, "is NULL, expected \(Self.self)")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Self { try Wrapped.decode(from: cell) }
    public static func decodeNull(column: String) throws -> Self { nil }
}

extension ArraySlice<UInt8> {
    /// Reads a big-endian integer at `offset` bytes from the start.
    func readBigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int = 0) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, count >= offset + size else { return nil }
        var value: T = 0
        for byte in self[(startIndex + offset)..<(startIndex + offset + size)] {
            value = value << 8 | T(byte)
        }
        return value
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int64 {
        let bytes = cell.bytes ?? []
        switch cell.column.oid {
        case PostgresType.int8: if let v = bytes.readBigEndian(Int64.self), bytes.count == 8 { return v }
        case PostgresType.int4: if let v = bytes.readBigEndian(Int32.self), bytes.count == 4 { return Int64(v) }
        case PostgresType.int2: if let v = bytes.readBigEndian(Int16.self), bytes.count == 2 { return Int64(v) }
        case PostgresType.oid: if let v = bytes.readBigEndian(UInt32.self), bytes.count == 4 { return Int64(v) }
        default: break
        }
        throw cell.mismatch("an integer (int2, int4, int8)")
    }
}

extension Int: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int { Int(try Int64.decode(from: cell)) }
}

extension Int32: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int32 {
        let wide = try Int64.decode(from: cell)
        guard let narrow = Int32(exactly: wide) else { throw cell.mismatch("a value that fits in Int32") }
        return narrow
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Bool {
        guard cell.column.oid == PostgresType.bool, let bytes = cell.bytes, bytes.count == 1 else {
            throw cell.mismatch("a boolean")
        }
        return bytes.first != 0
    }
}

extension Double: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Double {
        let bytes = cell.bytes ?? []
        switch cell.column.oid {
        case PostgresType.float8:
            if bytes.count == 8, let bits = bytes.readBigEndian(UInt64.self) { return Double(bitPattern: bits) }
        case PostgresType.float4:
            if bytes.count == 4, let bits = bytes.readBigEndian(UInt32.self) { return Double(Float(bitPattern: bits)) }
        default: break
        }
        throw cell.mismatch("a floating-point number (float4, float8)")
    }
}

extension String: PostgresDecodable {
    /// Decodes text, varchar, char, name, json, jsonb (as its JSON text) and
    /// user-defined types such as enums, which the server sends as text.
    public static func decode(from cell: PostgresCell) throws -> String {
        guard var bytes = cell.bytes else { throw cell.mismatch("text") }
        switch cell.column.oid {
        case PostgresType.jsonb:
            guard bytes.first == 1 else { throw cell.mismatch("jsonb version 1") }
            bytes = bytes.dropFirst()
        case PostgresType.json: break
        default:
            guard PostgresType.isTextLike(cell.column.oid) else { throw cell.mismatch("text") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw cell.mismatch("valid UTF-8 text") }
        return text
    }
}

extension JSONB: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> JSONB {
        guard cell.column.oid == PostgresType.jsonb || cell.column.oid == PostgresType.json else {
            throw cell.mismatch("json or jsonb")
        }
        return JSONB(try String.decode(from: cell))
    }
}

extension Date: PostgresDecodable {
    /// Decodes `timestamptz` (and `timestamp`, read as UTC) to the microsecond.
    public static func decode(from cell: PostgresCell) throws -> Date {
        guard cell.column.oid == PostgresType.timestamptz || cell.column.oid == PostgresType.timestamp,
            let bytes = cell.bytes, bytes.count == 8, let micros = bytes.readBigEndian(Int64.self)
        else { throw cell.mismatch("a timestamp with time zone") }
        guard micros != .max, micros != .min else { throw cell.mismatch("a finite timestamp (not ±infinity)") }
        return PostgresTime.date(fromMicroseconds: micros)
    }
}

extension UUID: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> UUID {
        guard cell.column.oid == PostgresType.uuid, let b = cell.bytes.map(Array.init), b.count == 16 else {
            throw cell.mismatch("a uuid")
        }
        return UUID(
            uuid: (
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
            ))
    }
}

extension ByteA: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> ByteA {
        guard cell.column.oid == PostgresType.bytea, let bytes = cell.bytes else { throw cell.mismatch("bytea") }
        return ByteA(Array(bytes))
    }
}

extension Data: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Data { Data(try ByteA.decode(from: cell).bytes) }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Decodes a one-dimensional array (`text[]`, `int8[]`, …) element by element.
    public static func decode(from cell: PostgresCell) throws -> [Element] {
        guard let bytes = cell.bytes,
            let dimensions = bytes.readBigEndian(Int32.self, at: 0),
            let elementOID = bytes.readBigEndian(UInt32.self, at: 8)
        else { throw cell.mismatch("an array") }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let count = bytes.readBigEndian(Int32.self, at: 12), count >= 0 else {
            throw cell.mismatch("a one-dimensional array")
        }
        let elementColumn = Column(name: cell.column.name, oid: elementOID)
        var offset = 20
        var elements: [Element] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = bytes.readBigEndian(Int32.self, at: offset) else {
                throw cell.mismatch("a well-formed array")
            }
            offset += 4
            if length < 0 {
                elements.append(try Element.decodeNull(column: cell.column.name))
                continue
            }
            let start = bytes.startIndex + offset
            guard start + Int(length) <= bytes.endIndex else { throw cell.mismatch("a well-formed array") }
            let element = PostgresCell(column: elementColumn, bytes: bytes[start..<(start + Int(length))])
            elements.append(try Element.decode(from: element))
            offset += Int(length)
        }
        return elements
    }
}
