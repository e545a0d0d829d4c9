#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to a file descriptor, as the system calls do it: a write may be
/// interrupted by a signal or take only part of the bytes, so it is made
/// again for the rest until all are written or it fails.
package enum Descriptor {
    /// Writes all of `bytes` to `descriptor`.
    /// - Returns: nil when all were written; otherwise the `errno` of the
    ///   write that failed.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return errno }
            written += result
        }
        return nil
    }
}
