// Deterministic random tensors for the numerical pass tests: a SplitMix64 generator and weights
// shaped like a trained STU-Net's (conv weights uniform in ±1/sqrt(fan-in), biases and norm
// shifts large enough that dropping a bias would be visible, norm scales around 1).
import GraphIR
import TensorCore

struct SplitMix64 {
  var state: UInt64

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
    Float(next() >> 40) / Float(1 << 23) - 1
  }
}

enum SeededTensors {
  static func uniform(_ shape: [Int], scale: Float, offset: Float = 0, _ random: inout SplitMix64) -> Tensor {
    let count = shape.reduce(1, *)
    let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      for index in 0..<count { buffer[index] = offset + scale * random.symmetric() }
      initialized = count
    }
    return Tensor(shape: shape, data: data)
  }

  /// Weights for every declared parameter, chosen by the role its checkpoint-style name implies.
  static func parameters(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var random = SplitMix64(seed: seed)
    var result: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      let isNorm = parameter.name.contains("norm")
      if shape.count == 5 {
        let fanIn = max(shape.dropFirst().reduce(1, *), 1)
        result[parameter.name] = uniform(shape, scale: 1 / Float(fanIn).squareRoot(), &random)
      } else if isNorm && parameter.name.hasSuffix("weight") {
        result[parameter.name] = uniform(shape, scale: 0.2, offset: 1, &random)
      } else {
        result[parameter.name] = uniform(shape, scale: 0.5, &random)
      }
    }
    return result
  }

  /// Inputs for every graph input, uniform in ±1.
  static func inputs(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var random = SplitMix64(seed: seed)
    var result: [String: Tensor] = [:]
    for input in graph.inputs { result[input.name] = uniform(input.type.shape, scale: 1, &random) }
    return result
  }
}
