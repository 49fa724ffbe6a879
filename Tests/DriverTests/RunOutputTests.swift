// `stunetc run` outputs and early checks: every output of a multi-output graph goes into a .npz
// (the JIT and the interpreter agree on each); a .npy gets the first with a note; an unwritable
// output or a non-5-D input is refused before any work; IR files that cannot be read are named.
import Archive
import DSL
import Driver
import Foundation
import TensorCore
import XCTest

final class RunOutputTests: CommandTestCase {

  let tiny = ["--widths", "2,4,8,8,8,8", "--depths", "1,1,1,1,1,1", "--classes", "3", "--strides", "2", "--random-weights", "5"]

  func writeInput(shape: [Int]) throws -> URL {
    let url = directory.appendingPathComponent("x.npy")
    var generator = SeededGenerator(seed: 11)
    let count = shape.reduce(1, *)
    try NumpyFile.write(Tensor(shape: shape, data: (0..<count).map { _ in generator.symmetric() }), to: url)
    return url
  }

  func testDeepSupervisionWritesEveryHeadToNpzOnBothBackends() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    var archives: [[(name: String, tensor: Tensor)]] = []
    for backend in ["jit", "interpreter"] {
      let output = directory.appendingPathComponent("heads-\(backend).npz")
      let result = run(["run"] + tiny + ["--deep-supervision", "--backend", backend, "--input", input.path, "--output", output.path])
      XCTAssertEqual(result.status, 0, result.errors)
      archives.append(try NpzArchive(url: output).tensors())
    }
    XCTAssertEqual(archives[0].count, 5, "five heads")
    XCTAssertEqual(archives[0].map(\.name), archives[1].map(\.name))
    // The finest head first, each coarser one half the size per axis.
    XCTAssertEqual(archives[0].first?.tensor.shape, [1, 3, 32, 32, 32])
    XCTAssertEqual(archives[0].last?.tensor.shape, [1, 3, 2, 2, 2])
    for (jit, interpreted) in zip(archives[0], archives[1]) {
      XCTAssertEqual(jit.tensor.shape, interpreted.tensor.shape, jit.name)
      XCTAssertLessThanOrEqual(TensorComparison.compare(jit.tensor, interpreted.tensor).maxRelativeToScale, 1e-4, jit.name)
    }
  }

  func testNpyOutputOfAMultiOutputGraphHoldsTheFirstAndSaysSo() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    let output = directory.appendingPathComponent("first.npy")
    let result = run(["run"] + tiny + ["--deep-supervision", "--backend", "interpreter", "--input", input.path, "--output", output.path])
    XCTAssertEqual(result.status, 0, result.errors)
    XCTAssertEqual(try NumpyFile.read(output).shape, [1, 3, 32, 32, 32])
    XCTAssertTrue(result.errors.contains("5 outputs") && result.errors.contains(".npz"), result.errors)
  }

  func testOutputInAMissingFolderIsRefusedBeforeRunning() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    let output = directory.appendingPathComponent("no/such/folder/y.npy")
    let result = run(["run"] + tiny + ["--input", input.path, "--output", output.path])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.errors.contains("does not exist"), result.errors)
    XCTAssertFalse(result.errors.contains("ran @"), "refused before the model ran: \(result.errors)")
  }

  func testOutputSuffixMustBeNpyOrNpz() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    let result = run(["run"] + tiny + ["--input", input.path, "--output", directory.appendingPathComponent("y.txt").path])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.errors.contains(".npz"), result.errors)
  }

  func testScalarAndLowRankInputsAreNamed() throws {
    let scalar = directory.appendingPathComponent("scalar.npy")
    try NumpyFile.write(Tensor(shape: [], data: [3]), to: scalar)
    var result = run(["run"] + tiny + ["--input", scalar.path, "--output", directory.appendingPathComponent("y.npy").path])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.errors.contains("0-d array") && result.errors.contains("5-D"), result.errors)
    let volume = try writeInput(shape: [32, 32, 32])
    result = run(["run"] + tiny + ["--input", volume.path, "--output", directory.appendingPathComponent("y.npy").path])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.errors.contains("3-D array of shape [32, 32, 32]"), result.errors)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["scalar.npy", "x.npy"])
  }

  func testUnreadableIRFilesAreNamedInWords() throws {
    var result = run(["graph", "--ir", directory.appendingPathComponent("missing.ir").path])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.errors.contains("no such file"), result.errors)
    result = run(["graph", "--ir", directory.path])
    XCTAssertTrue(result.errors.contains("it is a folder"), result.errors)
    let binary = directory.appendingPathComponent("binary.ir")
    try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: binary)
    result = run(["graph", "--ir", binary.path])
    XCTAssertTrue(result.errors.contains("not UTF-8"), result.errors)
    XCTAssertFalse(result.errors.contains("NSCocoaErrorDomain"))
  }

  /// A checkpoint (.npz, official key names) of the tiny model with seeded random weights.
  func writeCheckpoint() throws -> URL {
    let configuration = STUNetConfiguration(widths: [2, 4, 8, 8, 8, 8], depths: [1, 1, 1, 1, 1, 1], numClasses: 3)
    let graph = try STUNet(configuration).graph(inputShape: [1, 1, 32, 32, 32]).graph
    let url = scratch("tiny.npz")
    try NpzArchive.write(RandomWeights.generate(for: graph, seed: 2), to: url)
    return url
  }

  func testOptionsTheCheckpointDecidesMustAgreeWithIt() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    let weights = try writeCheckpoint()
    let output = scratch("y.npy")
    for (option, value) in [("--classes", "5"), ("--depths", "2,1,1,1,1,1"), ("--input-channels", "2")] {
      let result = run(["run", "--weights", weights.path, option, value, "--input", input.path, "--output", output.path])
      XCTAssertEqual(result.status, 2, "\(option): \(result.errors)")
      XCTAssertTrue(result.errors.contains("conflicts with the checkpoint"), result.errors)
    }
    let agreeing = run(["run", "--weights", weights.path, "--classes", "3", "--input", input.path, "--output", output.path])
    XCTAssertEqual(agreeing.status, 0, agreeing.errors)
    let both = run(["run", "--weights", weights.path, "--random-weights", "1", "--input", input.path, "--output", scratch("z.npy").path])
    XCTAssertEqual(both.status, 2)
    XCTAssertTrue(both.errors.contains("not both"), both.errors)
  }

  func testCompareReferenceIsCheckedBeforeRunningAndNothingIsWritten() throws {
    let input = try writeInput(shape: [1, 1, 32, 32, 32])
    let output = scratch("y.npy")
    let missing = run(["run"] + tiny + ["--input", input.path, "--output", output.path, "--compare", scratch("none.npy").path])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    let wrongShape = run(["run"] + tiny + ["--input", input.path, "--output", output.path, "--compare", input.path])
    XCTAssertEqual(wrongShape.status, 2)
    XCTAssertTrue(wrongShape.errors.contains("nothing was run"), wrongShape.errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    // A reference equal to the output: zero error, and the scale is the reference's largest value.
    XCTAssertEqual(run(["run"] + tiny + ["--input", input.path, "--output", output.path]).status, 0)
    let same = run(["run"] + tiny + ["--input", input.path, "--output", scratch("again.npy").path, "--compare", output.path])
    XCTAssertEqual(same.status, 0, same.errors)
    let scale = try NumpyFile.read(output).data.map { abs(Double($0)) }.max() ?? 0
    XCTAssertTrue(same.output.contains("relative error 0.0 (of the reference's scale max|ref| = \(scale)"), same.output)
  }

  func testNonFiniteInputsAreWarnedAbout() throws {
    let input = scratch("nan.npy")
    var values = [Float](repeating: 0.5, count: 32 * 32 * 32)
    values[7] = .nan
    values[9] = .infinity
    try NumpyFile.write(Tensor(shape: [1, 1, 32, 32, 32], data: values), to: input)
    let result = run(["run"] + tiny + ["--backend", "interpreter", "--input", input.path, "--output", scratch("y.npy").path])
    XCTAssertEqual(result.status, 0, result.errors)
    XCTAssertTrue(result.errors.contains("warning: 2 of 32768 input values are NaN or infinite"), result.errors)
  }
}
