import NewsdeskCore
import Testing

/// The position a read from a replica waits for (docs/scale-out.md).
@Suite("The read fence's log positions")
struct ReplayFenceTests {
    @Test("positions read and print as PostgreSQL writes them, and order as the log does")
    func text() throws {
        let position = try #require(WALPosition("16/B374D848"))
        #expect(position.value == 0x16_B374_D848)
        #expect(position.description == "16/B374D848")
        #expect(try #require(WALPosition("0/FF")) < position)
        for bad in ["", "16", "16/", "/1", "x/1", "1/2/3", "100000000/0"] { #expect(WALPosition(bad) == nil, "\(bad)") }
    }

    @Test("just past a new page's or segment's header, the last record ended at the page's start")
    func pageHeaders() throws {
        let page: UInt64 = 8192, segment: UInt64 = 16 * 1024 * 1024
        func end(_ text: String) throws -> String {
            try #require(WALPosition(text)).lastRecordEnd(pageSize: page, segmentSize: segment).description
        }
        // After a segment switch with nothing written since: the long header (40 bytes).
        #expect(try end("0/26000028") == "0/26000000")
        // A record that ended exactly at a page's end: the short header (24 bytes).
        #expect(try end("0/26002018") == "0/26002000")
        // Anywhere a record can end, the position stands.
        for standing in ["0/260003F8", "0/26002000", "0/26002030", "0/26000050", "0/25FFFFF8"] {
            #expect(try end(standing) == standing)
        }
    }
}
