// The golden logits of the official PyTorch STU-Net (tiny configuration, ../shared/golden) still
// match after the whole default pipeline: logits and every stage output within 1e-4 relative,
// argmax equal wherever the golden top-two logits differ by more than 1e-3 (tolerance policy).
import Archive
import DSL
import Foundation
import GraphIR
import Interpreter
import Passes
import TensorCore
import XCTest

final class GoldenAfterPipelineTests: XCTestCase {
  func golden(_ name: String) throws -> URL {
    guard let url = SharedResources.file(
      "golden/\(name)", packageRoot: SharedResources.packageRoot(fromTestFile: #filePath))
    else { throw XCTSkip("needs ../shared/golden/\(name) (absent): skipped") }
    return url
  }

  func testGoldenLogitsStillMatchAfterTheFullPipeline() throws {
    let weightsArchive = try NpzArchive(url: try golden("stunet_tiny_weights.npz"))
    let io = try NpzArchive(url: try golden("stunet_tiny_io.npz"))
    var weights: [String: Tensor] = [:]
    for name in weightsArchive.names { weights[name] = try weightsArchive.tensor(name) }
    let input = try io.tensor("input")
    let built = try STUNet(PassNumericalTests.tinyGolden).graph(inputShape: input.shape)
    var options = PassOptions()
    options.verifyEach = true
    let optimized = try PassRunner(options: options, output: { _ in }).run(built.graph, passes: optimizationPipeline())
    XCTAssertEqual(
      Set(optimized.parameters.map(\.name)), Set(weights.keys), "the full checkpoint still binds after the pipeline")

    let stageValues = Set(built.stageOutputs.values)
    let interpreter = try GraphInterpreter(graph: optimized, parameters: weights)
    let outputs = try interpreter.run(inputs: ["input": input], keep: stageValues)
    for (stage, value) in built.stageOutputs.sorted(by: { $0.key < $1.key }) {
      let actual = try XCTUnwrap(outputs[value], "stage \(stage) (%\(value)) after the pipeline")
      let report = TensorComparison.compare(actual, try io.tensor(stage))
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(stage): \(report)")
    }
    let logits = try XCTUnwrap(outputs[optimized.outputs[0]])
    let expected = try io.tensor("logits")
    XCTAssertEqual(logits.shape, expected.shape)
    let report = TensorComparison.compare(logits, expected)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "logits: \(report)")

    let labels = try ReferenceOps.argmax(logits, axis: 1)
    let expectedLabels = try io.tensor("argmax")
    let classes = expected.shape[1]
    let voxels = expected.count / classes
    var decisive = 0
    var disagreements = 0
    for voxel in 0..<voxels {
      var scores = (0..<classes).map { expected.data[$0 * voxels + voxel] }
      scores.sort(by: >)
      guard scores[0] - scores[1] > 1e-3 else { continue }
      decisive += 1
      if labels.data[voxel] != expectedLabels.data[voxel] { disagreements += 1 }
    }
    XCTAssertGreaterThan(decisive, voxels / 2)
    XCTAssertEqual(disagreements, 0, "argmax differs on \(disagreements) of \(decisive) decisive voxels")
  }
}
