import Synchronization

/// How many searches may read at once: half the read pool, one at the least.
/// A search the index cannot narrow (a phrase of two common words that never
/// stand together) makes the database recheck every edition holding both:
/// 2.7 s on a million editions. Readers sending many such searches must not
/// take every connection the pages need; past the limit a search is answered
/// 503 at once, as a full pool is.
final class SearchGate: Sendable {
    let limit: Int
    private let reading = Mutex<Int>(0)

    init(poolSize: Int) {
        limit = max(1, poolSize / 2)
    }

    /// Whether a search may read now. Each that may must call ``leave()``.
    func enter() -> Bool {
        reading.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        reading.withLock { $0 -= 1 }
    }
}
