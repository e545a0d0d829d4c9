import Foundation

/// Runs `count` copies of `body` on threads of their own, all at once, and
/// returns their results in order. (Threads, not a dispatch queue: the bodies
/// block, and a pool on two cores would run them one or two at a time.)
public func runConcurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let results = Results<T>(count: count)
    let finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread {
            results.set(index, Result { try body(index) })
            finished.leave()
        }.start()
    }
    finished.wait()
    return try results.values.map { try $0!.get() }
}

/// Results written from several threads.
public final class Results<T: Sendable>: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var storage: [Result<T, any Error>?]
    public init(count: Int) { storage = Array(repeating: nil, count: count) }
    public func set(_ index: Int, _ value: Result<T, any Error>) { lock.withLock { storage[index] = value } }
    public var values: [Result<T, any Error>?] { lock.withLock { storage } }
}
