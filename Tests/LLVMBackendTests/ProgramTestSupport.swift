// Shared helpers for the JIT program tests: building, optimising, lowering and planning graphs,
// seeded weights and inputs, and the comparison that the tolerance policy (Docs/tolerance.md)
// prescribes: max abs error <= 1e-4 x max |reference| for values, and argmax agreement.
import DSL
import Foundation
import GraphIR
import Interpreter
import KernelIR
import LLVMBackend
import MemoryPlan
import Passes
import TensorCore
import XCTest

enum ProgramTestSupport {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The tiny golden configuration (shared/golden/stunet_tiny_meta.json).
  static let tiny = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)
  /// A custom variant with uneven depths and isotropic strides.
  static let custom = STUNetConfiguration(
    widths: [8, 16, 32, 64, 96, 96], depths: [1, 2, 1, 2, 1, 1], strides: Array(repeating: [2, 2, 2], count: 5),
    numClasses: 14)

  /// Graph passes, lowering for AVX2 blocking, memory planning.
  static func plannedProgram(_ graph: Graph, optimize: Bool = true) throws -> KernelProgram {
    var optimized = graph
    if optimize {
      let instrumentation = try PassInstrumentation(
        options: PassOptions(), stageNames: optimizationPipeline().map(\.name), output: { _ in })
      optimized = try PassRunner.run(graph, passes: optimizationPipeline(), instrumentation: instrumentation)
    }
    var program = try Lowering.lower(optimized, target: .avx2)
    try MemoryPlanner.plan(&program)
    return program
  }

  static func everyOpGraph() throws -> Graph {
    let url = packageRoot.appendingPathComponent("IR/kernels/graphs/every_op.ir")
    return try Parser.parse(try String(contentsOf: url, encoding: .utf8))
  }

  /// PyTorch-like random weights: conv weights uniform(+-1/sqrt(fan_in)), norm gammas near 1.
  static func randomWeights(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var generator = SeededGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      let count = shape.reduce(1, *)
      let values: [Float]
      if parameter.name.contains("norm") || shape.count == 1 && parameter.name.hasPrefix("g") {
        let center: Float = parameter.name.hasSuffix("bias") ? 0 : 1
        values = generator.floats(count, in: -0.2...0.2).map { $0 + center }
      } else {
        let fanIn = shape.count == 5 ? shape.dropFirst().reduce(1, *) : 16
        let bound = 1 / Float(fanIn).squareRoot()
        values = generator.floats(count, in: -bound...bound)
      }
      weights[parameter.name] = Tensor(shape: shape, data: values)
    }
    return weights
  }

  static func randomInput(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, data: generator.floats(shape.reduce(1, *)))
  }

  /// Values within the tolerance policy; labels (i64) identical.
  static func assertClose(
    _ actual: Tensor?, _ expected: Tensor?, _ what: String, tolerance: Double = 1e-4, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    guard let actual, let expected else {
      XCTFail("\(what): missing result", file: file, line: line)
      return
    }
    XCTAssertEqual(actual.shape, expected.shape, what, file: file, line: line)
    XCTAssertEqual(actual.dtype, expected.dtype, what, file: file, line: line)
    guard actual.shape == expected.shape else { return }
    if expected.dtype == .i64 {
      XCTAssertEqual(actual.data, expected.data, "\(what): labels differ", file: file, line: line)
      return
    }
    let comparison = TensorComparison.compare(actual, expected)
    XCTAssertLessThanOrEqual(comparison.maxRelativeToScale, tolerance, "\(what): \(comparison)", file: file, line: line)
  }

  /// Fraction of voxels whose argmax over channels agrees, among those whose reference top two
  /// logits differ by more than `margin`.
  static func argmaxAgreement(_ actual: Tensor, _ reference: Tensor, margin: Float = 1e-3) -> (agreement: Double, counted: Int) {
    let channels = reference.shape[1]
    let voxels = reference.shape.dropFirst(2).reduce(1, *)
    let batch = reference.shape[0]
    var agree = 0
    var counted = 0
    for n in 0..<batch {
      for v in 0..<voxels {
        var best = -Float.infinity, second = -Float.infinity, bestIndex = 0, actualBest = -Float.infinity, actualIndex = 0
        for c in 0..<channels {
          let value = reference.data[(n * channels + c) * voxels + v]
          if value > best {
            second = best
            best = value
            bestIndex = c
          } else if value > second {
            second = value
          }
          let mine = actual.data[(n * channels + c) * voxels + v]
          if mine > actualBest {
            actualBest = mine
            actualIndex = c
          }
        }
        guard best - second > margin else { continue }
        counted += 1
        if bestIndex == actualIndex { agree += 1 }
      }
    }
    return (counted == 0 ? 1 : Double(agree) / Double(counted), counted)
  }
}
