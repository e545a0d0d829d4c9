import Foundation
import Logging
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Parameters are refused before libpq sees them, and never leak into messages")
struct ParameterSafetyTests {
    let connection: Connection

    init() throws {
        connection = try TestDatabase.create("params").connect()
        try connection.execute("CREATE TABLE note (body text)")
    }

    @Test(
        "a NUL byte anywhere in text is refused and nothing is stored",
        arguments: ["\u{0}start", "mid\u{0}dle", "end\u{0}"])
    func nulInText(_ value: String) throws {
        let tripsBefore = connection.roundTrips
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO note VALUES (\(value))")
        }
        #expect(error?.kind == .invalidParameter(position: 1))
        // The refusal happened on our side: no statement was sent.
        #expect(connection.roundTrips == tripsBefore)
        #expect(try connection.query("SELECT count(*) AS n FROM note")[0].decode("n", as: Int.self) == 0)
    }

    @Test(
        "invalid UTF-8 is refused and nothing is stored",
        arguments: [
            [0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x41, 0xC0, 0xAF]
        ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) throws {
        let tripsBefore = connection.roundTrips
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO note VALUES (\(UTF8Bytes(bytes)))")
        }
        #expect(error?.kind == .invalidParameter(position: 1))
        #expect(connection.roundTrips == tripsBefore)
        #expect(try connection.query("SELECT count(*) AS n FROM note")[0].decode("n", as: Int.self) == 0)
    }

    @Test("valid UTF-8 bytes are stored as text")
    func validBytes() throws {
        try connection.execute("INSERT INTO note VALUES (\(UTF8Bytes(Array("Оновлення".utf8))))")
        #expect(try connection.query("SELECT body FROM note")[0].decode("body", as: String.self) == "Оновлення")
    }

    @Test("a NUL inside a text array element is refused")
    func nulInArray() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.query("SELECT \(["fine", "not\u{0}fine"]) AS tags")
        }
        #expect(error?.kind == .invalidParameter(position: 1))
    }

    @Test("interpolated values become parameters, not SQL")
    func injection() throws {
        let hostile = "'); DROP TABLE note; --"
        try connection.execute("INSERT INTO note VALUES (\(hostile))")
        let query: Query = "SELECT body FROM note WHERE body = \(hostile)"
        #expect(query.sql == "SELECT body FROM note WHERE body = $1")
        #expect(try connection.query(query)[0].decode("body", as: String.self) == hostile)
    }

    @Test("an error's description never contains the bound values")
    func descriptionHidesValues() throws {
        try connection.execute("CREATE TABLE edition (slug text CONSTRAINT edition_slug_key UNIQUE)")
        let secret = "embargoed-scoop-\(UUID().uuidString)"
        try connection.execute("INSERT INTO edition VALUES (\(secret))")
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO edition VALUES (\(secret))")
        }
        let unwrapped = try #require(error)
        #expect(!unwrapped.description.contains(secret))
        #expect(!"\(unwrapped)".contains(secret))
        #expect(!unwrapped.message.contains(secret))
        // The detail (which quotes the row) is there on purpose, in the expanded form only.
        #expect(unwrapped.expandedDescription.contains(secret))
    }
}

@Suite("Server errors carry SQLSTATE and constraint")
struct ServerErrorTests {
    let connection: Connection

    init() throws {
        connection = try TestDatabase.create("errors").connect()
        try connection.executeScript(
            unsafeSQL: """
                CREATE TABLE story (id int8 PRIMARY KEY);
                CREATE TABLE edition (
                    id int8 PRIMARY KEY,
                    story_id int8 NOT NULL CONSTRAINT edition_story_fk REFERENCES story (id),
                    lang text NOT NULL CONSTRAINT edition_lang_check CHECK (lang IN ('uk', 'ru', 'en')),
                    CONSTRAINT edition_one_per_language UNIQUE (story_id, lang)
                );
                INSERT INTO story VALUES (1);
                INSERT INTO edition VALUES (1, 1, 'uk');
                """)
    }

    @Test("a unique violation names its constraint")
    func unique() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO edition VALUES (2, 1, 'uk')")
        }
        #expect(error?.sqlState == .uniqueViolation)
        #expect(error?.constraint == "edition_one_per_language")
        #expect(error?.table == "edition")
        #expect(error?.kind == .server)
    }

    @Test("a foreign-key violation names its constraint")
    func foreignKey() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO edition VALUES (3, \(99), 'en')")
        }
        #expect(error?.sqlState == .foreignKeyViolation)
        #expect(error?.constraint == "edition_story_fk")
    }

    @Test("a check violation names its constraint")
    func check() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO edition VALUES (4, 1, \("de"))")
        }
        #expect(error?.sqlState == .checkViolation)
        #expect(error?.constraint == "edition_lang_check")
    }

    @Test("a syntax error carries its SQLSTATE and the server's message")
    func syntax() throws {
        let error = #expect(throws: PostgresError.self) { try connection.execute("SELEKT 1") }
        #expect(error?.sqlState == .syntaxError)
        #expect(error?.message.contains("syntax error") == true)
    }

    @Test("NOTICEs go to the logger, not to the terminal")
    func notices() throws {
        let recorder = RecordingLogHandler.Store()
        var logger = Logger(label: "notices") { _ in RecordingLogHandler(store: recorder) }
        logger.logLevel = .info
        let noisy = try Connection(configuration: .init([.init("dbname", connection.server.database)]), logger: logger)
        try noisy.execute("DO $$ BEGIN RAISE NOTICE 'heating season starts'; END $$")
        #expect(recorder.messages.contains { $0.contains("heating season starts") })
    }

    @Test("the connection announces itself as newsdesk unless told otherwise")
    func applicationName() throws {
        let plain = try Connection(configuration: .init([.init("dbname", connection.server.database)]), logger: .test)
        #expect(
            try plain.query("SELECT current_setting('application_name') AS name")[0].decode("name", as: String.self)
                == "newsdesk")
        let named = try Connection(
            configuration: .init([
                .init("dbname", connection.server.database),
                .init("application_name", "desk-7")
            ]), logger: .test)
        #expect(
            try named.query("SELECT current_setting('application_name') AS name")[0].decode("name", as: String.self)
                == "desk-7")
    }

    @Test("a postgres:// URI is honoured, and a bad one fails to connect with a typed error")
    func uri() throws {
        let host = ProcessInfo.processInfo.environment["PGHOST"] ?? ""
        let encodedHost = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        let url = "postgresql:///\(connection.server.database)?host=\(encodedHost)"
        let viaURL = try Connection(configuration: .url(url), logger: .test)
        #expect(viaURL.server.database == connection.server.database)
        let error = #expect(throws: PostgresError.self) {
            try Connection(configuration: .url("postgresql:///nd_no_such_database?host=\(encodedHost)"), logger: .test)
        }
        #expect(error?.kind == .connectionFailed)
    }
}

/// Collects log messages so a test can look at them.
struct RecordingLogHandler: LogHandler {
    final class Store: @unchecked Sendable {
        // Guarded by `lock`: log handlers may be called from any thread.
        private let lock = NSLock()
        private var recorded: [String] = []
        func append(_ message: String) { lock.withLock { recorded.append(message) } }
        var messages: [String] { lock.withLock { recorded } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append("\(event.message)")
    }
}
