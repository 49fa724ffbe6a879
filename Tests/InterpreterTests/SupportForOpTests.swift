// Shared helpers of the reference-op tests: a seeded random generator (SplitMix64 with
// Box-Muller normals), so every test sees the same inputs on every run, and bit-level equality.

import Foundation
import TensorCore

struct OpTestRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func nextBits() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(nextBits() >> 11) * 0x1.0p-53 }

  /// Uniform in [low, high).
  mutating func uniform(_ low: Float, _ high: Float) -> Float {
    low + (high - low) * Float(unit())
  }

  /// A pair of independent standard normals (Box-Muller).
  mutating func normalPair() -> (Double, Double) {
    let u1 = max(unit(), 1e-300)
    let u2 = unit()
    let radius = (-2 * log(u1)).squareRoot()
    return (radius * cos(2 * .pi * u2), radius * sin(2 * .pi * u2))
  }

  mutating func uniformTensor(_ shape: [Int], _ low: Float = -1, _ high: Float = 1) -> Tensor {
    let count = Tensor.elementCount(shape)
    var data = [Float]()
    data.reserveCapacity(count)
    for _ in 0..<count { data.append(uniform(low, high)) }
    return Tensor(shape: shape, data: data)
  }

  /// Values mean + std * N(0, 1), rounded to Float.
  mutating func normalTensor(_ shape: [Int], mean: Double, std: Double) -> Tensor {
    let count = Tensor.elementCount(shape)
    var data = [Float]()
    data.reserveCapacity(count + 1)
    while data.count < count {
      let (a, b) = normalPair()
      data.append(Float(mean + std * a))
      data.append(Float(mean + std * b))
    }
    data.removeLast(data.count - count)
    return Tensor(shape: shape, data: data)
  }
}

/// Bit patterns, so that equality tests distinguish -0 from +0 and compare NaNs exactly.
func opTestBits(_ tensor: Tensor) -> [UInt32] { tensor.data.map(\.bitPattern) }
