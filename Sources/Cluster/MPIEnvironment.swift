import Foundation

/// What the MPI launcher tells each process it starts, read from the environment before MPI is
/// initialised, so that a plain run never touches MPI: Open MPI's mpirun sets OMPI_COMM_WORLD_*,
/// MPICH's Hydra (mpiexec) sets PMI_RANK, PMI_SIZE and MPI_LOCALNRANKS.
public struct MPIEnvironment: Equatable, Sendable {
    public var rank: Int
    public var size: Int
    /// Processes of this job on this host (each gets cores / localSize threads by default).
    public var localSize: Int

    public init(rank: Int, size: Int, localSize: Int) {
        (self.rank, self.size, self.localSize) = (rank, size, localSize)
    }

    /// nil outside a launcher (or with values that make no sense, which MPI_Init would reject anyway).
    public static func detect(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> MPIEnvironment? {
        func value(_ names: String...) -> Int? { names.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first }
        guard let size = value("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"), let rank = value("OMPI_COMM_WORLD_RANK", "PMI_RANK"),
              size >= 1, (0..<size).contains(rank) else { return nil }
        let local = value("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS") ?? 1
        return MPIEnvironment(rank: rank, size: size, localSize: min(max(local, 1), size))
    }
}
