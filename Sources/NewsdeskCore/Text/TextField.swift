/// The rules for one text field a person types, and the check that applies
/// them (SPEC §7): valid UTF-8, no NUL, stored in NFC, no control or
/// bidi-override characters, a length limit in bytes.
public struct TextField: Sendable {
    /// The name the user knows the field by (`headline`, `--body`).
    public let name: String
    /// Longest value in UTF-8 bytes.
    public let maximumBytes: Int
    /// Whether newlines (and tabs) are allowed.
    public let multiline: Bool
    /// Whether an empty value is allowed.
    public let mayBeEmpty: Bool

    public init(name: String, maximumBytes: Int, multiline: Bool = false, mayBeEmpty: Bool = false) {
        self.name = name
        self.maximumBytes = maximumBytes
        self.multiline = multiline
        self.mayBeEmpty = mayBeEmpty
    }

    public static let headline = TextField(name: "headline", maximumBytes: 400)
    public static let lead = TextField(name: "lead", maximumBytes: 4_000, multiline: true, mayBeEmpty: true)
    public static let body = TextField(name: "body", maximumBytes: 1 << 20, multiline: true, mayBeEmpty: true)
    public static let caption = TextField(name: "caption", maximumBytes: 1_000, mayBeEmpty: true)
    public static let credit = TextField(name: "credit", maximumBytes: 300, mayBeEmpty: true)
    /// A URL field; check it with ``WebURL/clean(_:_:)``, which also requires http(s).
    public static let photoURL = TextField(name: "photo", maximumBytes: 2_000)
    public static let mediatopic = TextField(name: "mediatopic", maximumBytes: 2_000)
    public static let note = TextField(name: "note", maximumBytes: 2_000, multiline: true)
    public static let reason = TextField(name: "reason", maximumBytes: 2_000, multiline: true)
    public static let correction = TextField(name: "correction", maximumBytes: 2_000, multiline: true)
    public static let slug = TextField(name: "slug", maximumBytes: Slug.maximumLength)
    public static let login = TextField(name: "login", maximumBytes: 63)
    public static let updateBody = TextField(name: "body", maximumBytes: 65_536, multiline: true)

    /// ``clean(_:)`` for a value that may be absent (a field an edit leaves as it is).
    public func clean(ifGiven raw: String?) throws -> String? {
        try raw.map { try clean($0) }
    }

    /// Checks raw bytes (from a file or stdin) and returns the clean text.
    public func clean(bytes: [UInt8]) throws -> String {
        try clean(text(bytes: bytes))
    }

    /// The bytes as text, refused when they hold a NUL or are not UTF-8, but
    /// otherwise untouched: for a file whose fields are cleaned one by one
    /// later (a bulk import), where normalising the whole file first would
    /// only do the same work twice.
    public func text(bytes: [UInt8]) throws -> String {
        guard !bytes.contains(0) else { throw refusal("contains a NUL byte") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = Self.firstInvalidUTF8Offset(bytes)
            throw refusal("is not valid UTF-8 (at byte \(offset)); save it as UTF-8 and try again")
        }
        return text
    }

    /// Checks text and returns it in NFC, trimmed (single-line fields), with
    /// CRLF line ends turned into LF.
    public func clean(_ raw: String) throws -> String {
        if raw.utf8.contains(0) { throw refusal("contains a NUL byte") }
        // The standard library's own NFC normaliser: Foundation's
        // precomposedStringWithCanonicalMapping is this, behind all of Foundation.
        // (A bulk import cleans three fields a line, so the common cases skip work.)
        let unixLineEnds = raw.utf8.contains(UInt8(ascii: "\r")) ? raw.replacing("\r\n", with: "\n") : raw
        var text = String(decoding: unixLineEnds._nfcCodeUnits, as: UTF8.self)
        for scalar in text.unicodeScalars {
            if let problem = Self.problem(with: scalar, multiline: multiline) { throw refusal(problem) }
        }
        if !multiline, text.first?.isWhitespace == true || text.last?.isWhitespace == true {
            text = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
        if text.isEmpty && !mayBeEmpty { throw refusal("is empty") }
        if text.utf8.count > maximumBytes {
            throw refusal("is \(text.utf8.count) bytes long; the limit is \(maximumBytes) bytes")
        }
        return text
    }

    private func refusal(_ problem: String) -> NewsdeskError {
        NewsdeskError(.badInput, "\(name) \(problem).")
    }

    static func problem(with scalar: Unicode.Scalar, multiline: Bool) -> String? {
        var hex: String { "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) }
        switch scalar.value {
        case 0x0A, 0x09:
            return multiline ? nil : "contains a line break or tab; it must be one line"
        case 0x00...0x1F, 0x7F...0x9F:
            return "contains the control character \(hex)"
        case 0x2028, 0x2029:
            return "contains the line or paragraph separator \(hex); use a line break"
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            return "contains the bidirectional control \(hex), which can disguise text; remove it"
        case 0x115F, 0x1160, 0x180E, 0x200B, 0x2060...0x2064, 0x206A...0x206F, 0x3164, 0xFEFF, 0xFFA0, 0xFFF9...0xFFFB,
            0xE0000...0xE007F:
            return "contains the invisible character \(hex); remove it"
        case 0xFDD0...0xFDEF:
            return "contains the noncharacter \(hex); remove it"
        case let value where value & 0xFFFE == 0xFFFE:
            // U+FFFE, U+FFFF and their twins in every plane: not characters
            // at all, and XML (feeds) cannot carry the first two.
            return "contains the noncharacter \(hex); remove it"
        default:
            return nil
        }
    }

    /// Where the first malformed UTF-8 sequence starts, to point the user at it.
    public static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
