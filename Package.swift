// swift-tools-version:6.0
import Foundation
import PackageDescription

// Distributed training links Open MPI (Debian's libopenmpi-dev); WAVENET_MPI=mpich at build time
// links MPICH (libmpich-dev) instead. Only the standard MPI API is used.
let mpiPkgConfig = ProcessInfo.processInfo.environment["WAVENET_MPI"] == "mpich" ? "mpich" : "ompi-c"

let package = Package(
    name: "WaveNet",
    // MARK: - Products
    products: [
        .executable(name: "wavenet", targets: ["wavenet"]),
        .library(name: "WaveNet", targets: ["WaveNet"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - System libraries
        // Each a folder with module.modulemap and shim.h; the Debian -dev package is named beside it.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSampleRate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: mpiPkgConfig, providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        // MARK: - Libraries
        // One-line file errors and atomic writes, shared by the two libraries below.
        .target(name: "FileIO"),
        // The model: no audio files, no devices, no audio libraries (checkpoints are its only files).
        .target(name: "WaveNet", dependencies: ["COpenBLAS", "CKernels", "FileIO"]),
        // Hand-written generation kernels: the fused step (AVX-512, AVX2/FMA, plain C; float or half
        // weights) and the baseline one-row product, the instruction set chosen at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Conditioning features: mel spectrograms (FFTW). Arrays in, arrays out; no files.
        .target(name: "Features", dependencies: ["CFFTW"]),
        // TensorBoard event files: protobuf encoding, TFRecord framing, CRC-32C. Bytes in, bytes out.
        .target(name: "TensorBoard", dependencies: ["FileIO"]),
        // Data-parallel training across processes and hosts: MPI as the model's ProcessGroup.
        .target(name: "Cluster", dependencies: ["CMPI", "WaveNet"]),
        // Audio files, folders, resampling, mu-law, ALSA playback.
        .target(name: "AudioIO", dependencies: ["CSndFile", "CALSA", "CSampleRate", "FileIO"]),

        // MARK: - Tool
        .executableTarget(name: "wavenet", dependencies: [
            "WaveNet", "AudioIO", "Features", "FileIO", "Cluster", "TensorBoard",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: - Tests
        // Helpers every test target shares: temporary folders, float comparison, raw samples, Goertzel power, libsndfile writes.
        .target(name: "TestSupport", dependencies: ["CSndFile"], path: "Tests/TestSupport"),
        .testTarget(name: "WaveNetTests", dependencies: ["WaveNet", "FileIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "FileIO", "CSndFile", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "WaveNet", "AudioIO", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["AudioIO", "WaveNet", "Features", "FileIO", "TensorBoard", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzTests", dependencies: ["AudioIO", "WaveNet", "Features", "FileIO", "CSndFile", "TestSupport"]),
    ],
    // Swift 6 data-race checking. Threads share state only under locks (SampleRing, LivePlayback)
    // or by disjoint ranges of one buffer (training and generation lanes), which the types that
    // do it state beside their `@unchecked Sendable`.
    swiftLanguageModes: [.v6]
)
