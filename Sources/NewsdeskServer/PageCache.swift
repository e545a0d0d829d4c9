import NIOCore
import Synchronization

/// Answers already rendered, kept in memory so that a repeated or
/// conditional request costs no database read and no rendering.
///
/// Every page carries the "Recent news" list, so any public change — a
/// publication, an edit, a live update, a withdrawal, a scheduled time or an
/// embargo lift coming due — may change every page: the ``ChangeFollower``
/// empties the whole cache when it sees one (within a second of the commit,
/// or of the due time). Two rules keep a stale page from being served:
/// - an answer read before a change and stored after the cache was emptied
///   is not kept (each answer remembers the generation it was read in);
/// - while the follower has not confirmed, within ``freshFor``, that it has
///   seen every change (the database is unreachable, say), nothing is served
///   from the cache.
///
/// Besides whole answers it keeps each language's "Recent news", rendered, which
/// every article page of that language shows: an article no page in the
/// cache holds is then read without the list, under the same two rules, and
/// the list is used only while the language's latest public change is the
/// one it was read with (the article's read says), so that a page never pairs
/// an article read after a change with a list from before it.
///
/// Bounded by the memory of the answers it holds (a body ready to send is
/// stored in a buffer whose size is the next power of two, and that is what
/// counts, with the headers); the oldest answers go first.
final class PageCache: Sendable {

    /// A language's "Recent news" as rendered, and the time of the
    /// language's latest public change when it was read.
    struct RecentNews: Sendable {
        let html: String
        let languageChangedAt: String?
    }

    /// A read in progress: the key and the generation it started in.
    struct Ticket: Sendable {
        let key: String
        let generation: UInt64
    }

    private struct State {
        var entries: [String: PreparedAnswer] = [:]
        /// Keys in the order they were stored; `head` is the oldest still counted.
        var order: [String] = []
        var head = 0
        var bytes = 0
        var generation: UInt64 = 0
        /// Each language's "Recent news", by language tag (a few kilobytes each).
        var recentNews: [String: RecentNews] = [:]
    }

    let budget: Int
    /// How recently the follower must have caught up for the cache to be used.
    static let freshFor: Duration = .seconds(3)
    private let state = Mutex(State())
    private let confirmedAt = Mutex<ContinuousClock.Instant?>(nil)

    /// A cache holding at most `budget` bytes of bodies; 0 keeps nothing.
    init(budget: Int) {
        self.budget = budget
    }

    /// The stored answer for `key`, if it is current; otherwise a ticket to
    /// store the answer about to be read.
    func lookup(_ key: String) -> (PreparedAnswer?, Ticket) {
        let fresh = isFresh
        return state.withLock { state in
            (fresh && budget > 0 ? state.entries[key] : nil, Ticket(key: key, generation: state.generation))
        }
    }

    /// The stored answer for `key`, if it is current: for an answer written
    /// without reading, which stores nothing.
    func answer(for key: String) -> PreparedAnswer? {
        guard budget > 0, isFresh else { return nil }
        return state.withLock { $0.entries[key] }
    }

    /// The "Recent news" of `lang`, if the cache is current; otherwise a
    /// ticket to keep the list about to be read.
    func recentNews(_ lang: String) -> (RecentNews?, Ticket) {
        let fresh = isFresh
        return state.withLock { state in
            (fresh && budget > 0 ? state.recentNews[lang] : nil, Ticket(key: lang, generation: state.generation))
        }
    }

    /// Keeps `list` as the ticket's language's "Recent news" unless a
    /// change was seen since the ticket was taken.
    func storeRecentNews(_ list: RecentNews, for ticket: Ticket) {
        guard budget > 0 else { return }
        state.withLock { state in
            if state.generation == ticket.generation { state.recentNews[ticket.key] = list }
        }
    }

    /// Keeps `answer` for the ticket's key unless a change was seen since
    /// the ticket was taken.
    @discardableResult
    func store(_ answer: PreparedAnswer, for ticket: Ticket) -> Bool {
        let size = answer.size + ticket.key.utf8.count
        guard budget > 0, size <= budget / 4 else { return false }
        return state.withLock { state in
            guard state.generation == ticket.generation else { return false }
            if let old = state.entries.updateValue(answer, forKey: ticket.key) {
                state.bytes -= old.size + ticket.key.utf8.count
            } else {
                state.order.append(ticket.key)
            }
            state.bytes += size
            while state.bytes > budget, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let gone = state.entries.removeValue(forKey: oldest) {
                    state.bytes -= gone.size + oldest.utf8.count
                }
            }
            if state.head > 1024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            return true
        }
    }

    /// Forgets every answer: a public change was seen.
    func clear() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.order.removeAll(keepingCapacity: true)
            state.head = 0
            state.bytes = 0
            state.recentNews.removeAll(keepingCapacity: true)
        }
    }

    /// Whether the follower confirmed recently enough that it has seen every change.
    private var isFresh: Bool {
        confirmedAt.withLock { $0.map { ContinuousClock.now - $0 < Self.freshFor } ?? false }
    }

    /// The follower has read every change up to now.
    func confirmCurrent() {
        confirmedAt.withLock { $0 = ContinuousClock.now }
    }

    /// Answers held and their bytes, for /metrics.
    var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }
}
