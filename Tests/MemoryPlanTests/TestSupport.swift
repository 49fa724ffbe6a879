// Helpers shared by the memory-plan tests: deterministic random weights and inputs (SplitMix64,
// so every run and platform sees the same numbers) and the two test configurations.
import DSL
import Foundation
import GraphIR
import TensorCore

struct SeededGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [-1, 1).
  mutating func symmetric() -> Float {
    Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1)
  }
}

enum TestModels {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The tiny golden configuration (shared/golden/stunet_tiny_meta.json).
  static let tiny = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)
  static let tinyInput = [1, 1, 32, 32, 64]
  /// A custom variant with uneven depths and isotropic strides.
  static let custom = STUNetConfiguration(
    widths: [8, 16, 32, 64, 96, 96], depths: [1, 2, 1, 2, 1, 1], strides: Array(repeating: [2, 2, 2], count: 5),
    numClasses: 14)
  static let customInput = [1, 1, 32, 32, 32]

  /// PyTorch-like initialisation: conv weights uniform(+-1/sqrt(fan_in)), biases likewise, norm
  /// gammas around 1 and betas around 0.
  static func randomWeights(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var generator = SeededGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      let count = shape.reduce(1, *)
      var data = [Float](repeating: 0, count: count)
      if parameter.name.contains("norm") {
        let center: Float = parameter.name.hasSuffix("weight") ? 1 : 0
        for i in 0..<count { data[i] = center + 0.2 * generator.symmetric() }
      } else {
        let fanIn = shape.count == 5 ? shape.dropFirst().reduce(1, *) : 16
        let bound = 1 / Float(fanIn).squareRoot()
        for i in 0..<count { data[i] = bound * generator.symmetric() }
      }
      weights[parameter.name] = Tensor(shape: shape, data: data)
    }
    return weights
  }

  static func randomInput(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.symmetric() })
  }
}
