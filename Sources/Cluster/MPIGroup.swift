import CMPI
import Foundation
import WaveNet

/// A failed MPI call, with MPI's own description.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
}

/// MPI_COMM_WORLD as a `ProcessGroup`. Errors are returned, not fatal (MPI_ERRORS_RETURN), and
/// every call's code is checked. Only the thread that made the group calls MPI (MPI_THREAD_FUNNELED):
/// the training threads never do.
public final class MPIGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    private var finalized = false

    /// MPI_Init_thread; call once, from the main thread, and `finalize()` before exiting.
    public init() throws {
        var provided: Int32 = 0
        try MPIGroup.check(MPI_Init_thread(nil, nil, Int32(wavenet_mpi_thread_funneled()), &provided), "MPI_Init_thread")
        try MPIGroup.check(MPI_Comm_set_errhandler(wavenet_mpi_comm_world(), wavenet_mpi_errors_return()), "MPI_Comm_set_errhandler")
        if provided < Int32(wavenet_mpi_thread_funneled()) {
            throw MPIError(description: "this MPI library cannot be used by a program with threads (MPI_THREAD_FUNNELED)")
        }
        var rank: Int32 = 0, size: Int32 = 0
        try MPIGroup.check(MPI_Comm_rank(wavenet_mpi_comm_world(), &rank), "MPI_Comm_rank")
        try MPIGroup.check(MPI_Comm_size(wavenet_mpi_comm_world(), &size), "MPI_Comm_size")
        (self.rank, self.size) = (Int(rank), Int(size))
    }

    /// MPI_Finalize, once; every rank must call it for mpirun to report success.
    public func finalize() throws {
        guard !finalized else { return }
        finalized = true
        try MPIGroup.check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Ends every process of the job at once (after an error on one of them).
    public func abort(code: Int32) -> Never {
        MPI_Abort(wavenet_mpi_comm_world(), code)
        exit(code)
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try allreduce(values.baseAddress, values.count, wavenet_mpi_float(), "MPI_Allreduce (float)")
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try allreduce(values.baseAddress, values.count, wavenet_mpi_double(), "MPI_Allreduce (double)")
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try bcast(values.baseAddress, values.count, wavenet_mpi_float())
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try bcast(values.baseAddress, values.count, wavenet_mpi_double())
    }

    /// In place, in pieces of at most Int32.max elements (MPI counts are C ints).
    private func allreduce<T>(_ base: UnsafeMutablePointer<T>?, _ count: Int, _ type: MPI_Datatype!, _ what: String) throws {
        guard let base else { return }
        for start in stride(from: 0, to: count, by: Int(Int32.max)) {
            let n = Int32(min(count - start, Int(Int32.max)))
            try MPIGroup.check(MPI_Allreduce(wavenet_mpi_in_place(), base + start, n, type, wavenet_mpi_sum(), wavenet_mpi_comm_world()), what)
        }
    }

    private func bcast<T>(_ base: UnsafeMutablePointer<T>?, _ count: Int, _ type: MPI_Datatype!) throws {
        guard let base else { return }
        for start in stride(from: 0, to: count, by: Int(Int32.max)) {
            let n = Int32(min(count - start, Int(Int32.max)))
            try MPIGroup.check(MPI_Bcast(base + start, n, type, 0, wavenet_mpi_comm_world()), "MPI_Bcast")
        }
    }

    static func check(_ code: Int32, _ what: String) throws {
        guard code != Int32(wavenet_mpi_success()) else { return }
        var text = [CChar](repeating: 0, count: Int(wavenet_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        let described = MPI_Error_string(code, &text, &length) == Int32(wavenet_mpi_success())
        throw MPIError(description: "\(what) failed: " + (described ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "MPI error \(code)"))
    }
}
