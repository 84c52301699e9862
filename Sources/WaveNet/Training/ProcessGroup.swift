/// The processes that train one model together, data parallel: each holds the whole model and
/// optimizer state, computes the gradient of its share of every step's batch, and the shares are
/// summed so that every process applies the same update. A single process is a group of one.
///
/// The model library knows only this protocol; the tool supplies MPI (the Cluster module).
public protocol ProcessGroup: AnyObject {
    /// This process's place in the group, 0..<size; rank 0 writes checkpoints and logs.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values` on every process with their sum over the processes, element by element.
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `values` on every process with rank 0's.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>) throws
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>) throws
}

extension ProcessGroup {
    /// Sums an array in place.
    public func sum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try sum($0) }
    }

    /// True on every process when `flag` is true on any.
    public func any(_ flag: Bool) throws -> Bool {
        var value = [flag ? 1.0 : 0.0]
        try sum(&value)
        return value[0] > 0
    }

    /// The part of `0..<count` that this process takes: contiguous, in rank order, sizes differing by at most one.
    public func share(of count: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }
}

/// A group of one: sums and broadcasts leave the values as they are.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func broadcast(_ values: UnsafeMutableBufferPointer<Double>) {}
}
