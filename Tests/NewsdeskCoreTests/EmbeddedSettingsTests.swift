import Foundation
import Testing

@testable import NewsdeskCore

@Suite("The embedded database's settings")
struct EmbeddedSettingsTests {
    @Test("its page cache is a quarter of the machine's memory, between 128 MB and 8 GB")
    func sharedBuffers() {
        let gigabyte: UInt64 = 1 << 30
        #expect(EmbeddedDatabase.sharedBuffersMB(memoryBytes: 24 * gigabyte) == 6144)
        #expect(EmbeddedDatabase.sharedBuffersMB(memoryBytes: 2 * gigabyte) == 512)
        #expect(EmbeddedDatabase.sharedBuffersMB(memoryBytes: gigabyte / 4) == 128)
        #expect(EmbeddedDatabase.sharedBuffersMB(memoryBytes: 0) == 128)
        #expect(EmbeddedDatabase.sharedBuffersMB(memoryBytes: 64 * gigabyte) == 8192)
    }

    @Test("the memory it is sized for is the machine's, or less")
    func availableMemory() {
        let available = EmbeddedDatabase.availableMemory()
        #expect(available > 0)
        #expect(available <= UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE))))
    }
}
