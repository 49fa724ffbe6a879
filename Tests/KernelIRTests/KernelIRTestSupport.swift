// Helpers for the Kernel IR tests: deterministic random numbers (SplitMix64), random weights for
// a graph's parameters, the repository's IR/ folder, and the regenerate switch
// (STUNETC_REGENERATE_IR=1 rewrites checked-in IR files instead of comparing with them).
import Foundation
import GraphIR
import TensorCore
import XCTest

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
  mutating func symmetric() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }

  /// Standard normal (Box-Muller).
  mutating func normal() -> Double {
    let u = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
    let v = Double(next() >> 11) / Double(1 << 53)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}

enum KernelTestSupport {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static var regenerating: Bool { ProcessInfo.processInfo.environment["STUNETC_REGENERATE_IR"] == "1" }

  static func irFile(_ relativePath: String) -> URL { packageRoot.appendingPathComponent("IR/" + relativePath) }

  static func files(in folder: String, extension suffix: String) throws -> [URL] {
    let url = irFile(folder)
    return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == suffix }.sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  /// Compares `text` with the checked-in file, or rewrites the file when regenerating.
  static func assertMatchesFile(_ text: String, _ relativePath: String, file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let url = irFile(relativePath)
    if regenerating {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let stored = try String(contentsOf: url, encoding: .utf8)
    XCTAssertTrue(
      stored == text,
      "IR/\(relativePath) is stale: regenerate with `STUNETC_REGENERATE_IR=1 swift test --filter KernelIRTests`",
      file: file, line: line)
  }

  static func randomWeights(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var generator = SeededGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      let count = shape.reduce(1, *)
      let scale: Float = shape.count == 5 ? 1 / Float(shape.dropFirst().reduce(1, *)).squareRoot() : 0.5
      let isGamma = shape.count == 1 && (parameter.name.hasPrefix("g") || parameter.name.hasSuffix(".weight"))
      let center: Float = isGamma ? 1 : 0
      weights[parameter.name] = Tensor(shape: shape, data: (0..<count).map { _ in center + scale * generator.symmetric() })
    }
    return weights
  }

  static func randomInputs(for graph: Graph, seed: UInt64) -> [String: Tensor] {
    var generator = SeededGenerator(seed: seed)
    var inputs: [String: Tensor] = [:]
    for input in graph.inputs {
      let count = input.type.shape.reduce(1, *)
      inputs[input.name] = Tensor(shape: input.type.shape, data: (0..<count).map { _ in generator.symmetric() })
    }
    return inputs
  }
}
