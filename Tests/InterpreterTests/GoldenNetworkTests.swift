// The interpreter reproduces the official PyTorch STU-Net on the tiny golden configuration
// (../shared/golden/stunet_tiny_*): logits and every stage output within 1e-4 relative, argmax equal.
import Archive
import DSL
import Foundation
import GraphIR
import Interpreter
import TensorCore
import XCTest

final class GoldenNetworkTests: XCTestCase {
  static let tinyConfiguration = STUNetConfiguration(
    widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)

  func golden(_ name: String) throws -> URL {
    guard let url = SharedResources.file(
      "golden/\(name)", packageRoot: SharedResources.packageRoot(fromTestFile: #filePath))
    else { throw XCTSkip("needs ../shared/golden/\(name) (absent): skipped") }
    return url
  }

  func testInterpreterReproducesGoldenLogitsAndStageOutputs() throws {
    let weightsArchive = try NpzArchive(url: try golden("stunet_tiny_weights.npz"))
    let io = try NpzArchive(url: try golden("stunet_tiny_io.npz"))
    var weights: [String: Tensor] = [:]
    for name in weightsArchive.names { weights[name] = try weightsArchive.tensor(name) }
    let input = try io.tensor("input")
    XCTAssertEqual(input.shape, [1, 1, 32, 32, 64])

    let built = try STUNet(Self.tinyConfiguration).graph(inputShape: input.shape)
    XCTAssertEqual(Set(weights.keys), Set(built.graph.parameters.map(\.name)), "golden keys = graph parameters")
    let interpreter = try GraphInterpreter(graph: built.graph, parameters: weights)
    let stageValues = Set(built.stageOutputs.values)
    let outputs = try interpreter.run(inputs: ["input": input], keep: stageValues)

    for (stage, value) in built.stageOutputs.sorted(by: { $0.key < $1.key }) {
      let expected = try io.tensor(stage)
      let actual = try XCTUnwrap(outputs[value], "stage \(stage)")
      XCTAssertEqual(actual.shape, expected.shape, stage)
      let report = TensorComparison.compare(actual, expected)
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(stage): \(report)")
    }
    let logits = try XCTUnwrap(outputs[built.graph.outputs[0]])
    let expectedLogits = try io.tensor("logits")
    XCTAssertEqual(logits.shape, expectedLogits.shape)
    let report = TensorComparison.compare(logits, expectedLogits)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "logits: \(report)")
    XCTAssertEqual(logits.data.reduce(0.0) { $0 + Double($1) }, 12204.006382, accuracy: 0.05)

    let labels = try ReferenceOps.argmax(logits, axis: 1)
    let expectedLabels = try io.tensor("argmax")
    XCTAssertEqual(labels.data.count, expectedLabels.data.count)
    XCTAssertEqual(labels.data, expectedLabels.data, "argmax must be identical")
  }
}
