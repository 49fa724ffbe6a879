// Runs the interpreter on two graphs with the same weights and inputs and checks that their
// outputs agree: bit for bit for exact passes, within the tolerance policy (1e-4 of the
// reference's scale, Docs/tolerance.md) otherwise. Outputs are matched by position, since a pass
// may rename an output value.
import Foundation
import GraphIR
import Interpreter
import TensorCore
import XCTest

enum Agreement {
  case bitExact
  case relative(Double)

  static let policy = Agreement.relative(1e-4)
}

enum NumericalAgreement {
  /// Outputs of `graph` (in output order), plus the `keep` values that the graph defines.
  static func run(
    _ graph: Graph, parameters: [String: Tensor], inputs: [String: Tensor], keep: Set<String> = []
  ) throws -> (outputs: [Tensor], kept: [String: Tensor]) {
    let interpreter = try GraphInterpreter(graph: graph, parameters: parameters)
    let defined = Set(graph.nodes.flatMap(\.results))
    let values = try interpreter.run(inputs: inputs, keep: keep.intersection(defined))
    let outputs = try graph.outputs.map { name -> Tensor in
      guard let tensor = values[name] else { throw InterpreterError.unsupported("output %\(name) not produced") }
      return tensor
    }
    return (outputs, values.filter { keep.contains($0.key) })
  }

  /// Fails the test when `actual` and `reference` disagree beyond `agreement`.
  static func check(
    _ actual: Tensor, _ reference: Tensor, _ agreement: Agreement, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    guard actual.shape == reference.shape else {
      XCTFail("\(label): shape \(actual.shape) versus \(reference.shape)", file: file, line: line)
      return
    }
    let report = TensorComparison.compare(actual, reference)
    switch agreement {
    case .bitExact:
      let identical = actual.data.withUnsafeBytes { a in
        reference.data.withUnsafeBytes { b in
          guard a.count == b.count, let left = a.baseAddress, let right = b.baseAddress else { return a.count == b.count }
          return memcmp(left, right, a.count) == 0
        }
      }
      XCTAssertTrue(identical, "\(label): not bit-identical: \(report)", file: file, line: line)
    case .relative(let tolerance):
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, tolerance, "\(label): \(report)", file: file, line: line)
    }
  }
}
