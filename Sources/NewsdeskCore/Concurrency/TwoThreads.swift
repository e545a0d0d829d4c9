#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `map` on two cores: the second half of the items on a thread of its own
/// while the calling thread does the first half.
///
/// Written on POSIX threads by hand because the standard library has no
/// threads, and Foundation's `Thread` or Dispatch would link a module that
/// every other command would then pay for at start-up (scripts/bench).
enum TwoThreads {
    /// Fewer items than this are mapped on the calling thread alone.
    static let minimumCount = 1_000

    /// `items.map(transform)`; the error thrown is the one of the first
    /// failing item, as a plain `map` would throw.
    static func map<Element, Output>(_ items: [Element], _ transform: (Element) throws -> Output) throws -> [Output] {
        guard items.count >= minimumCount else { return try items.map(transform) }
        let middle = items.count / 2
        return try withoutActuallyEscaping(transform) { transform in
            var secondHalf: Result<[Output], any Error> = .success([])
            let job = Job { secondHalf = Result { try items[middle...].map(transform) } }
            var thread = pthread_t()
            let started = pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<Job>.fromOpaque(context!).takeUnretainedValue().body()
                    return nil
                }, Unmanaged.passUnretained(job).toOpaque())
            guard started == 0 else { return try items.map(transform) }
            let firstHalf = Result { try items[..<middle].map(transform) }
            pthread_join(thread, nil)
            return try firstHalf.get() + secondHalf.get()
        }
    }

    /// The work handed to the second thread. It is only touched by that
    /// thread until `pthread_join` returns, hence unchecked.
    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
