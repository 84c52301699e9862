import Foundation

/// A fixed-size ring of samples between one producer and one consumer thread.
/// The producer blocks while it is full, the consumer while it is empty; nothing is ever
/// dropped or repeated. `finish` marks the end of the stream, `cancel` stops both sides.
public final class SampleRing: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Float>
    public let capacity: Int
    private var readIndex = 0, count = 0
    private var finished = false, cancelled = false
    private let condition = NSCondition()

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Appends all of `samples`, waiting for room. Returns false if cancelled.
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Float>) -> Bool {
        var offset = 0
        condition.lock()
        defer { condition.unlock() }
        while offset < samples.count {
            while count == capacity && !cancelled { condition.wait() }
            if cancelled { return false }
            let n = min(samples.count - offset, capacity - count)
            let writeIndex = (readIndex + count) % capacity
            let first = min(n, capacity - writeIndex)
            (storage + writeIndex).update(from: samples.baseAddress! + offset, count: first)
            if n > first { storage.update(from: samples.baseAddress! + offset + first, count: n - first) }
            count += n
            offset += n
            condition.broadcast()
        }
        return true
    }

    @discardableResult
    public func write(_ samples: [Float]) -> Bool { samples.withUnsafeBufferPointer { write($0) } }

    /// Takes up to `buffer.count` samples, waiting until there is at least one or the stream ended.
    /// Returns 0 at the end of the stream or when cancelled.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !finished && !cancelled { condition.wait() }
        if cancelled { return 0 }
        let n = min(buffer.count, count)
        let first = min(n, capacity - readIndex)
        buffer.baseAddress!.update(from: storage + readIndex, count: first)
        if n > first { (buffer.baseAddress! + first).update(from: storage, count: n - first) }
        readIndex = (readIndex + n) % capacity
        count -= n
        condition.broadcast()
        return n
    }

    /// Waits until `n` samples are buffered, the stream ended, or it was cancelled.
    public func waitUntilBuffered(_ n: Int) {
        condition.lock()
        while count < min(n, capacity) && !finished && !cancelled { condition.wait() }
        condition.unlock()
    }

    /// The producer has written everything.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
