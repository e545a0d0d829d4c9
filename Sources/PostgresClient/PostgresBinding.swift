/// One parameter as it is sent to the server: a type OID, a wire format and the
/// bytes (`nil` for SQL NULL).
public struct PostgresBinding: Sendable, Equatable {
    public enum Format: Int32, Sendable { case text = 0, binary = 1 }

    public var oid: UInt32
    public var format: Format
    public var bytes: [UInt8]?
    /// Set by an encoder that found the value unsendable (say, a NUL inside an
    /// array element); the wrapper refuses the query before libpq sees it.
    public var refusal: String?

    public init(oid: UInt32, format: Format, bytes: [UInt8]?) {
        self.oid = oid
        self.format = format
        self.bytes = bytes
    }

    public static let null = PostgresBinding(oid: 0, format: .text, bytes: nil)

    /// libpq reads text parameters as C strings: a NUL byte would silently cut
    /// the value, and the server rejects invalid UTF-8 only after the fact. So
    /// both are refused here, before libpq sees the value.
    func validate(position: Int) throws {
        if let refusal {
            throw PostgresError(
                kind: .invalidParameter(position: position), sqlState: .characterNotInRepertoire,
                message: "parameter $\(position) \(refusal)")
        }
        guard format == .text, let bytes else { return }
        if bytes.contains(0) {
            throw PostgresError(
                kind: .invalidParameter(position: position), sqlState: .characterNotInRepertoire,
                message: "parameter $\(position) contains a NUL byte, which PostgreSQL text cannot hold")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw PostgresError(
                kind: .invalidParameter(position: position), sqlState: .characterNotInRepertoire,
                message: "parameter $\(position) is not valid UTF-8")
        }
    }
}

/// Well-known type OIDs from `pg_type`.
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let unknown: UInt32 = 705
    public static let textArray: UInt32 = 1009
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let int4Array: UInt32 = 1007
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    /// OIDs from here on belong to types created in the database (enums, domains, extensions).
    public static let firstUserOID: UInt32 = 16384

    static func isTextLike(_ oid: UInt32) -> Bool {
        oid == text || oid == varchar || oid == bpchar || oid == name || oid == unknown || oid >= firstUserOID
    }
}
