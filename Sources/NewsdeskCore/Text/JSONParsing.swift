#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JSONValue {
    /// Reads one JSON text (RFC 8259), as the database writes its documents.
    ///
    /// Written here rather than decoded with Foundation's `JSONDecoder`: through
    /// `Codable`'s generic containers, which build a dictionary of every object's
    /// keys for each container, that spent about 250 instructions a byte on an
    /// article's document, half of everything the site's server did to answer
    /// an article no cache held. This reads the same document into a
    /// `JSONValue` in a few instructions a byte; ``JSONDocument`` types are
    /// read from that.
    ///
    /// Throws `DecodingError.dataCorrupted` for text that is not JSON, and
    /// for nesting deeper than 512.
    public init(parsing text: String) throws {
        var text = text
        self = try text.withUTF8 { bytes in
            var parser = JSONParser(bytes)
            return try parser.document()
        }
    }
}

/// RFC 8259's grammar over UTF-8 bytes, one value at a time.
private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    /// The fields of the objects being read, innermost last: each object's
    /// dictionary is made once its fields are counted, at its final size,
    /// rather than grown as they come (a third of the reading, before).
    var pending: [(key: String, value: JSONValue)] = []

    /// Deep enough for any document the newsroom writes; shallow enough that
    /// hostile nesting cannot exhaust the stack.
    static let maximumDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func document() throws -> JSONValue {
        let value = try self.value()
        skipWhitespace()
        guard position == bytes.count else { throw failure("text after the JSON value") }
        return value
    }

    private mutating func value() throws -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw failure("a value is missing") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        position += 1  // {
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object([:])
        }
        let first = pending.count
        repeat {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure("an object's key must be a string")
            }
            let key = try string()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("\":\" expected after an object's key") }
            pending.append((key, try value()))
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw failure("\",\" or \"}\" expected in an object") }
        depth -= 1
        // A key given twice keeps its first value, as Foundation's JSONDecoder does.
        var fields = [String: JSONValue](minimumCapacity: pending.count - first)
        for field in pending[first...].reversed() { fields[field.key] = field.value }
        pending.removeSubrange(first...)
        return .object(fields)
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        repeat {
            elements.append(try value())
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw failure("\",\" or \"]\" expected in an array") }
        depth -= 1
        return .array(elements)
    }

    /// A string from its opening quote; escapes only where there are any.
    private mutating func string() throws -> String {
        position += 1  // "
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                return text(bytes[start..<position])
            case UInt8(ascii: "\\"):
                return try escapedString(from: start)
            case 0..<0x20:
                throw failure("a control character in a string")
            default:
                position += 1
            }
        }
        throw failure("a string is not closed")
    }

    private mutating func escapedString(from start: Int) throws -> String {
        var unescaped = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return text(unescaped[...])
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"): unescaped.append(contentsOf: try escapedScalar().utf8)
                default: throw failure("unknown escape in a string")
                }
            case 0..<0x20:
                throw failure("a control character in a string")
            default:
                unescaped.append(byte)
            }
        }
        throw failure("a string is not closed")
    }

    /// The character of a `\uXXXX` escape (after the `u`), joining a
    /// surrogate pair written as two escapes.
    private mutating func escapedScalar() throws -> Unicode.Scalar {
        let first = try hexQuad()
        if (0xD800..<0xDC00).contains(first) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            else { throw failure("a lone surrogate in a string") }
            position += 2
            let second = try hexQuad()
            guard (0xDC00..<0xE000).contains(second) else { throw failure("a lone surrogate in a string") }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(first) else { throw failure("a lone surrogate in a string") }
        return scalar
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("\\u needs four hexadecimal digits") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    /// A number: an integer when it has neither fraction nor exponent and
    /// fits in 64 bits, else a double.
    private mutating func number() throws -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs a digit") }
        var integer: Int64 = 0
        var fits = true
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                // Accumulated negatively, so that Int64.min fits too.
                let (shifted, overflowTen) = integer.multipliedReportingOverflow(by: 10)
                let (next, overflowDigit) = shifted.subtractingReportingOverflow(digit)
                if overflowTen || overflowDigit { fits = false } else { integer = next }
                position += 1
            }
        }
        var whole = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            whole = false
            position += 1
            try digits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            whole = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try digits()
        }
        if whole && fits {
            if negative { return .integer(integer) }
            if integer != .min { return .integer(-integer) }
        }
        // Beyond a double's range (1e400) is refused, as Foundation's reading does.
        guard let number = Double(String(decoding: bytes[start..<position], as: UTF8.self)), number.isFinite else {
            throw failure("a number out of range")
        }
        return .number(number)
    }

    private mutating func digits() throws {
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs a digit") }
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
            word.withUTF8Buffer({ $0.elementsEqual(bytes[position..<position + count]) })
        else { throw failure("unexpected word") }
        position += count
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    /// Steps past `byte` when it comes next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) deep") }
    }

    /// A string's bytes as text. They are UTF-8: they come from a `String`,
    /// cut at quotes (which no multi-byte character contains), or are
    /// characters of escapes.
    private func text(_ utf8: some Collection<UInt8>) -> String {
        String(decoding: utf8, as: UTF8.self)
    }

    private func failure(_ what: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "Not JSON: \(what) at byte \(position)."))
    }
}
