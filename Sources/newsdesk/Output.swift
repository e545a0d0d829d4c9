import NewsdeskCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Everything the tool prints goes through here.
enum Output {
    static func line(_ text: String) {
        print(text)
    }

    /// Prints text that already ends with a newline.
    static func text(_ text: String) {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }

    /// Writes to stderr without a newline (a progress bar redrawn with \r).
    static func standardErrorInline(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func standardError(_ text: String) {
        let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
        // write(2) on descriptor 2 rather than `stderr`, a C global that is not concurrency-safe.
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Prints one JSON document: sorted keys, RFC 3339 UTC timestamps.
    static func json(_ value: some Encodable) throws {
        print(String(decoding: try NewsroomJSON.encoder().encode(value), as: UTF8.self))
    }
}

