// swift-tools-version:6.0
// stunetc: a Swift-native compiler and runtime for STU-Net.
// Targets follow the pipeline (Docs/architecture.md):
//   DSL -> GraphIR -> Passes -> KernelIR/Lowering -> MemoryPlan -> Interpreter | LLVMBackend | AOT
// with Checkpoint and NIfTI at the edges. A lower layer never imports a higher one.
import PackageDescription

/// Hot numeric code is always optimised, even in debug builds, so tests stay fast.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]
let llvmInclude: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I/usr/lib/llvm-19/include"])]
/// The Swift runtime and Foundation linked statically (the shipped runner needs no toolchain); the
/// Foundation archives in one linker group (passed through -Xlinker so that the driver keeps them
/// inside it), because the toolchain's automatic order leaves symbols unresolved.
let staticSwiftRuntime = ["-static-stdlib", "-Xlinker", "--start-group"]
  + ["Foundation", "FoundationEssentials", "FoundationInternationalization", "_FoundationCShims", "_FoundationCollections",
     "_FoundationICU", "CoreFoundation", "swiftSynchronization", "swiftDispatch", "dispatch", "BlocksRuntime", "swiftCore"]
    .flatMap { ["-Xlinker", "-l" + $0] } + ["-Xlinker", "--end-group"]

let package = Package(
  name: "stunetc",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "stunetc", targets: ["stunetc"]),
    .library(name: "STUNetCompiler", targets: ["Driver"]),
    .executable(name: "stunet-runner", targets: ["stunet-runner"]),
  ],
  targets: [
    // Native libraries, installed by scripts/setup.sh.
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
    .systemLibrary(name: "CLLVM", path: "Sources/CLLVM"),

    // Foundations shared by every layer.
    .target(name: "TensorCore", swiftSettings: optimized),
    .target(name: "Archive", dependencies: ["TensorCore", "CZlib"], swiftSettings: optimized),

    // Edges: checkpoints and medical images.
    .target(name: "Checkpoint", dependencies: ["TensorCore", "Archive"], swiftSettings: optimized),
    .target(name: "NIfTI", dependencies: ["TensorCore", "CZlib"], swiftSettings: optimized),

    // The compiler pipeline.
    .target(name: "GraphIR", dependencies: ["TensorCore"]),
    .target(name: "DSL", dependencies: ["GraphIR"]),
    .target(name: "Passes", dependencies: ["GraphIR"]),
    .target(name: "KernelIR", dependencies: ["GraphIR"]),
    .target(name: "MemoryPlan", dependencies: ["KernelIR"]),
    .target(name: "Runtime", dependencies: ["TensorCore"], swiftSettings: optimized),
    .target(
      name: "Interpreter", dependencies: ["GraphIR", "KernelIR", "TensorCore", "Runtime", "COpenBLAS"],
      swiftSettings: optimized),
    .target(
      name: "LLVMBackend", dependencies: ["KernelIR", "MemoryPlan", "Runtime", "TensorCore", "CLLVM", "Interpreter"],
      swiftSettings: optimized + llvmInclude),

    // The medical job, on top of any backend.
    .target(name: "Segmentation", dependencies: ["NIfTI", "TensorCore", "Runtime"], swiftSettings: optimized),
    // What `stunetc segment` and `stunet-model segment` share: option checks, progress, outputs
    // (label map, oriented preview) and the closing summary.
    .target(
      name: "SegmentCommandSupport", dependencies: ["Segmentation", "NIfTI", "Archive", "TensorCore"], swiftSettings: optimized),

    // Ahead of time: bundles (object, header, weights, executable) and what they need at run time.
    // The runner is linked again with each model.o by `stunetc compile -o DIR`; it must not depend
    // on LLVM, and carries the Swift runtime and Foundation statically.
    .target(name: "AOTModelABI"),
    .target(
      name: "AOTRuntime", dependencies: ["AOTModelABI", "Runtime", "TensorCore", "Segmentation"], swiftSettings: optimized),
    .target(
      name: "AOT", dependencies: ["AOTRuntime", "LLVMBackend", "KernelIR", "MemoryPlan", "Runtime", "TensorCore"],
      swiftSettings: llvmInclude),
    .executableTarget(
      name: "stunet-runner",
      dependencies: [
        "AOTRuntime", "AOTModelABI", "Segmentation", "SegmentCommandSupport", "NIfTI", "Archive", "TensorCore", "Runtime",
        "CommandOptions",
      ],
      swiftSettings: optimized, linkerSettings: [.unsafeFlags(staticSwiftRuntime)]),

    // Glue and command line (the option reader is shared with the runner, which must not link the Driver).
    .target(name: "CommandOptions"),
    .target(
      name: "Driver",
      dependencies: [
        "TensorCore", "Archive", "Checkpoint", "NIfTI", "GraphIR", "DSL", "Passes", "KernelIR",
        "MemoryPlan", "Interpreter", "LLVMBackend", "Runtime", "Segmentation", "SegmentCommandSupport", "AOT",
        "CommandOptions",
      ],
      swiftSettings: llvmInclude),
    .executableTarget(name: "stunetc", dependencies: ["Driver"], swiftSettings: llvmInclude),
    .executableTarget(name: "conv-benchmark", dependencies: ["LLVMBackend", "Runtime"], path: "Benchmarks/conv", swiftSettings: optimized + llvmInclude),
    .executableTarget(name: "stunet-bench", dependencies: ["Driver", "LLVMBackend", "Runtime", "TensorCore", "DSL", "GraphIR", "Passes", "Interpreter"], path: "Benchmarks/forward", swiftSettings: optimized + llvmInclude),

    // Tests, one target per module.
    .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
    .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TensorCore"]),
    .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "Archive", "TensorCore"]),
    .testTarget(name: "NIfTITests", dependencies: ["NIfTI", "TensorCore"]),
    .testTarget(name: "GraphIRTests", dependencies: ["GraphIR", "DSL"]),
    .testTarget(name: "DSLTests", dependencies: ["DSL", "GraphIR"]),
    .testTarget(name: "PassesTests", dependencies: ["Passes", "GraphIR", "DSL", "Interpreter", "TensorCore", "Archive"]),
    .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "GraphIR", "DSL", "TensorCore", "Archive"]),
    .testTarget(name: "DriverTests", dependencies: ["Driver", "SegmentCommandSupport"], swiftSettings: llvmInclude),
    .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "TensorCore"]),
    .testTarget(name: "KernelIRTests", dependencies: ["KernelIR", "GraphIR", "DSL", "Interpreter", "TensorCore"]),
    .testTarget(
      name: "MemoryPlanTests",
      dependencies: ["MemoryPlan", "KernelIR", "GraphIR", "DSL", "Passes", "Interpreter", "TensorCore"]),
    .testTarget(
      name: "AOTTests",
      dependencies: ["AOT", "AOTRuntime", "LLVMBackend", "Runtime", "TensorCore", "Archive", "Segmentation", "NIfTI", "Driver"],
      swiftSettings: llvmInclude),
    .testTarget(
      name: "LLVMBackendTests",
      dependencies: [
        "LLVMBackend", "Runtime", "TensorCore", "KernelIR", "MemoryPlan", "Interpreter", "GraphIR", "DSL", "Passes", "Archive",
      ],
      swiftSettings: llvmInclude),
  ],
  swiftLanguageModes: [.v5]
)
