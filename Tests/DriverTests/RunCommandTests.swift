// `stunetc run` end to end: golden weights from .npz reproduce the golden logits; a custom variant
// runs with seeded random weights; bad inputs give messages and leave no output file.
import Archive
import Driver
import Foundation
import TensorCore
import XCTest

final class RunCommandTests: CommandTestCase {

  func testGoldenWeightsReproduceGoldenLogits() throws {
    let root = SharedResources.packageRoot(fromTestFile: #filePath)
    guard let weights = SharedResources.file("golden/stunet_tiny_weights.npz", packageRoot: root),
      let io = SharedResources.file("golden/stunet_tiny_io.npz", packageRoot: root)
    else { throw XCTSkip("needs ../shared/golden (absent): skipped") }
    let archive = try NpzArchive(url: io)
    let input = directory.appendingPathComponent("input.npy")
    let reference = directory.appendingPathComponent("logits.npy")
    try NumpyFile.write(try archive.tensor("input"), to: input)
    try NumpyFile.write(try archive.tensor("logits"), to: reference)
    let output = directory.appendingPathComponent("out.npy")
    let result = run([
      "run", "--widths", "2,4,8,16,32,32", "--depths", "2,2,2,2,2,2", "--classes", "3", "--weights", weights.path,
      "--input", input.path, "--output", output.path, "--compare", reference.path,
    ])
    XCTAssertEqual(result.status, 0, result.errors + result.output)
    XCTAssertEqual(try NumpyFile.read(output).shape, [1, 3, 32, 32, 64])
  }

  func testCustomVariantRunsWithRandomWeights() throws {
    let input = directory.appendingPathComponent("x.npy")
    var generator = SeededGenerator(seed: 7)
    let data = (0..<(32 * 32 * 32)).map { _ in generator.symmetric() }
    try NumpyFile.write(Tensor(shape: [1, 1, 32, 32, 32], data: data), to: input)
    let output = directory.appendingPathComponent("labels.npy")
    let result = run([
      "run", "--widths", "8,16,32,64,96,96", "--depths", "1,2,1,2,1,1", "--classes", "14", "--strides", "2",
      "--random-weights", "3", "--input", input.path, "--output", output.path, "--argmax",
    ])
    XCTAssertEqual(result.status, 0, result.errors)
    let labels = try NumpyFile.read(output)
    XCTAssertEqual(labels.shape, [1, 32, 32, 32])
    XCTAssertTrue(labels.data.allSatisfy { $0 >= 0 && $0 < 14 && $0 == $0.rounded() })
  }

  func testBadInputsFailCleanlyWithoutOutput() throws {
    let output = directory.appendingPathComponent("never.npy")
    let missing = run(["run", "--variant", "S", "--random-weights", "1", "--input", "/nonexistent.npy", "--output", output.path])
    XCTAssertNotEqual(missing.status, 0)
    let wrongShape = directory.appendingPathComponent("wrong.npy")
    try NumpyFile.write(Tensor(zeros: [1, 1, 16, 16, 20]), to: wrongShape)
    let result = run(["run", "--variant", "S", "--random-weights", "1", "--input", wrongShape.path, "--output", output.path])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.errors.contains("divisible"), result.errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
  }
}
