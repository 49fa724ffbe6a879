// The tiny golden STU-Net (widths 2..32, depths 2, 3 classes, input 1x1x32x32x64) compiled ahead of
// time from the JIT's plan: the linked executable and the C example reproduce the official PyTorch
// logits (1e-4 relative to their scale) and equal the JIT program's output bit for bit at the
// same thread count. Skipped with a message when ../shared/golden is absent.
import AOT
import AOTRuntime
import Archive
import DSL
import Foundation
import KernelIR
import LLVMBackend
import MemoryPlan
import Passes
import TensorCore
import XCTest

final class AOTGoldenTests: XCTestCase {
  static let tiny = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)

  func golden(_ name: String) throws -> URL {
    guard let url = SharedResources.file("golden/\(name)", packageRoot: TestTools.packageRoot) else {
      throw XCTSkip("needs ../shared/golden/\(name) (absent): skipped")
    }
    return url
  }

  func testTinyGoldenNetworkAheadOfTime() throws {
    let weightsArchive = try NpzArchive(url: try golden("stunet_tiny_weights.npz"))
    let io = try NpzArchive(url: try golden("stunet_tiny_io.npz"))
    var weights: [String: Tensor] = [:]
    for name in weightsArchive.names { weights[name] = try weightsArchive.tensor(name) }
    let input = try io.tensor("input")
    let expected = try io.tensor("logits")
    XCTAssertEqual(input.shape, [1, 1, 32, 32, 64])

    let graph = try STUNet(Self.tiny).graph(inputShape: input.shape).graph
    let instrumentation = try PassInstrumentation(
      options: PassOptions(), stageNames: optimizationPipeline().map(\.name), output: { _ in })
    let optimized = try PassRunner.run(graph, passes: optimizationPipeline(), instrumentation: instrumentation)
    var program = try Lowering.lower(optimized, target: .avx2)
    try MemoryPlanner.plan(&program)
    let options = JITProgramOptions(threads: 2)
    let plan = try ProgramKernelPlan(program: program, options: options, threads: 2)
    let schedule = try AOTSchedule(plan: plan, weights: weights)
    let directory = try TestTools.temporaryDirectory("golden")
    let bundle = try AOTBundleWriter.write(
      schedule, to: directory,
      options: AOTBundleOptions(compiler: "stunetc test", optimizationPipeline: options.optimizationPipeline))
    let executable = try XCTUnwrap(bundle.executable)

    let jit = try JITProgram(program: program, weights: weights, options: options).run(input)
    let inputPath = directory.appendingPathComponent("input.npy")
    try NumpyFile.write(input, to: inputPath)
    for threads in [2, 1] {
      let outputPath = directory.appendingPathComponent("logits\(threads).npy")
      try TestTools.run([
        executable.path, "run", "--input", inputPath.path, "--output", outputPath.path, "--threads", "\(threads)",
      ])
      let logits = try NumpyFile.read(outputPath)
      XCTAssertEqual(logits.shape, expected.shape)
      let report = TensorComparison.compare(logits, expected)
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "AOT vs PyTorch: \(report)")
      XCTAssertEqual(logits.data.map(\.bitPattern), jit.data.map(\.bitPattern), "AOT (\(threads) threads) vs JIT (2 threads)")
    }

    // The C example on the same bundle.
    let cProgram = directory.appendingPathComponent("run_model")
    try TestTools.run([
      try TestTools.clang().path, "-O2", "-std=c11", "-D_GNU_SOURCE", "-I", bundle.directory.path,
      TestTools.packageRoot + "/examples/aot/run_model.c", bundle.objectFile.path, "-lpthread", "-lm", "-o", cProgram.path,
    ])
    let cOutput = directory.appendingPathComponent("logits-c.npy")
    try TestTools.run([cProgram.path, bundle.weightsFile.path, inputPath.path, cOutput.path, "2"])
    let cLogits = try NumpyFile.read(cOutput)
    XCTAssertLessThanOrEqual(TensorComparison.compare(cLogits, expected).maxRelativeToScale, 1e-4)
    XCTAssertEqual(cLogits.data.map(\.bitPattern), jit.data.map(\.bitPattern), "C example vs JIT")
  }
}
