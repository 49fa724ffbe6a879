// Shared helpers for the backend tests: a seeded random generator, a single JIT compiler, and
// aligned float buffers built from arrays.
import LLVMBackend
import Runtime
import XCTest

/// SplitMix64: deterministic pseudo-random numbers for test data.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
    (0..<count).map { _ in Float.random(in: range, using: &self) }
  }
}

enum TestSupport {
  /// One compiler per test process (creating an LLJIT costs a few milliseconds).
  static let compiler: KernelCompiler = {
    do { return try KernelCompiler() } catch { fatalError("test setup: \(error)") }
  }()

  static func aligned(_ values: [Float]) throws -> AlignedBuffer {
    let buffer = try AlignedBuffer(floatCount: max(1, values.count))
    let floats = buffer.allFloats
    for (index, value) in values.enumerated() { floats[index] = value }
    return buffer
  }

  static func alignedZeros(_ count: Int) throws -> AlignedBuffer { try AlignedBuffer(floatCount: max(1, count)) }

  static func floats(_ buffer: AlignedBuffer, count: Int) -> [Float] { Array(buffer.allFloats.prefix(count)) }

  static func argument(_ buffer: AlignedBuffer, count: Int) -> KernelArgument {
    KernelArgument(address: buffer.baseAddress, elementType: .float32, elementCount: count)
  }

  static func doubleArgument(_ buffer: AlignedBuffer, count: Int) -> KernelArgument {
    KernelArgument(address: buffer.baseAddress, elementType: .float64, elementCount: count)
  }
}
