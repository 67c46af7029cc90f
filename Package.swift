// swift-tools-version: 6.1
// PixWizard daemon: engine, daemon, clients. Build through the Makefile: it passes the CPU flags
// (-Xcc -march=x86-64-v3 -Xswiftc -target-cpu -Xswiftc x86-64-v3) that make the SIMD code fast,
// so no unsafeFlags appear here and PixClient stays usable as a dependency of other packages.
import PackageDescription

let package = Package(
    name: "PixWizard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pixwizard", targets: ["pixwizard"]),
        .executable(name: "pixwizard-bench", targets: ["PixBench"]),
        .executable(name: "pixwizard-bench-full", targets: ["PixBenchFull"]),
        .library(name: "PixClient", targets: ["PixClient"]),
        .library(name: "PixWire", targets: ["PixWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // C shims (system libraries and generated protobuf-c code).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .target(name: "CProtobufC", path: "Sources/CProtobufC",
                linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(name: "CPUGuard", path: "Sources/CPUGuard"),

        // Engine.
        .target(name: "CPixKernels", path: "Sources/CPixKernels"),
        .target(name: "PixTensor", dependencies: ["CBLAS", "CPixKernels"]),
        .target(name: "PixWeights", dependencies: ["PixTensor"]),
        .target(name: "PixText"),
        .target(name: "PixModels", dependencies: ["PixTensor", "PixWeights", "PixText"]),
        .target(name: "PixImage", dependencies: ["CPNG"]),
        .target(name: "PixPipeline", dependencies: ["PixTensor", "PixWeights", "PixText", "PixModels", "PixImage"]),

        // Wire, server, clients.
        .target(name: "PixWire", dependencies: ["CProtobufC", "CZstd"]),
        .target(name: "PixServer", dependencies: [
            "PixWire", "PixPipeline", "PixImage",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PixClient", dependencies: [
            "PixWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "pixwizard", dependencies: [
            "CPUGuard", "PixServer", "PixClient", "PixPipeline", "PixImage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "CAllocCounter", path: "Benchmarks/CAllocCounter"),
        .executableTarget(name: "PixBench", dependencies: [
            "CPUGuard", "CAllocCounter", "PixTensor", "PixWeights", "PixModels", "PixPipeline", "PixImage", "PixServer", "PixClient",
        ], path: "Benchmarks/PixBench"),
        .executableTarget(name: "PixBenchFull", dependencies: ["PixTensor", "PixPipeline", "PixImage"],
                          path: "Benchmarks/PixBenchFull"),

        // Tests (numeric tests run in release: see the Makefile).
        .testTarget(name: "PixTensorTests", dependencies: ["PixTensor"]),
        .testTarget(name: "PixWeightsTests", dependencies: ["PixWeights", "PixTensor"]),
        .testTarget(name: "PixTextTests", dependencies: ["PixText"]),
        .testTarget(name: "PixModelsTests", dependencies: ["PixModels", "PixWeights", "PixTensor", "PixText"]),
        .testTarget(name: "PixImageTests", dependencies: ["PixImage"]),
        .testTarget(name: "PixPipelineTests", dependencies: ["PixPipeline", "PixModels", "PixImage", "PixTensor", "PixWeights", "PixText"]),
        .testTarget(name: "PixWireTests", dependencies: ["PixWire"]),
        .testTarget(name: "PixServerTests", dependencies: ["PixServer", "PixClient", "PixWire", "PixImage", "PixPipeline"]),
    ],
    swiftLanguageModes: [.v6]
)
