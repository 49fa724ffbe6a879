// Deterministic random weights for a graph (He-style scaling for convolutions, gamma ≈ 1 and
// small beta for norms), for demos, benchmarks and tests when no trained checkpoint is at hand.
// The generator is SplitMix64, so the same seed gives the same weights on every machine.
import GraphIR
import TensorCore

public struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [-1, 1).
  public mutating func symmetric() -> Float {
    Float(next() >> 40) / Float(1 << 23) - 1
  }
}

public enum RandomWeights {
  public static func generate(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var generator = SeededGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      let count = Tensor.elementCount(shape)
      var data = [Float](repeating: 0, count: count)
      if shape.count == 5 {
        let fanIn = Float(shape.dropFirst().reduce(1, *))
        let scale = (6 / fanIn).squareRoot()
        for index in 0..<count { data[index] = generator.symmetric() * scale }
      } else if parameter.name.hasSuffix(".weight") && !parameter.name.contains("conv") {
        for index in 0..<count { data[index] = 1 + 0.1 * generator.symmetric() }
      } else {
        for index in 0..<count { data[index] = 0.1 * generator.symmetric() }
      }
      weights[parameter.name] = Tensor(shape: shape, data: data)
    }
    return weights
  }
}
