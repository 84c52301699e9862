/// A zero-initialised Float allocation that lives as long as its owner; never resized.
public final class FloatBuffer: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { base.deallocate() }

    /// The address of element `offset`; `offset == count` is the end address.
    public subscript(offset: Int) -> UnsafeMutablePointer<Float> {
        checkBounds(offset >= 0 && offset <= count, "FloatBuffer offset \(offset) outside 0...\(count)")
        return base + offset
    }

    public func zero() { base.update(repeating: 0, count: count) }

    /// The elements as a buffer pointer, valid while the owner lives.
    public var elements: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }

    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A bounds check on raw-pointer access: an `assert` (free in release builds), or a
/// `precondition` when built with `-D WAVENET_CHECKED` (the fuzz target), so that an
/// out-of-range access stops there instead of corrupting memory.
@inline(__always)
func checkBounds(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    #if WAVENET_CHECKED
    precondition(condition(), message())
    #else
    assert(condition(), message())
    #endif
}
