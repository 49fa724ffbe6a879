// `stunetc run` outputs and early checks: every output of a multi-output graph goes into a .npz
// (the JIT and the interpreter agree on each); a .npy gets the first with a note; an unwritable
// output or a non-5-D input is refused before any work; IR files that cannot be read are named.
import Archive
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
    XCTAssertTrue(result.errors.contains("No such file or directory"), result.errors)
    result = run(["graph", "--ir", directory.path])
    XCTAssertTrue(result.errors.contains("not a regular file"), result.errors)
    let binary = directory.appendingPathComponent("binary.ir")
    try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: binary)
    result = run(["graph", "--ir", binary.path])
    XCTAssertTrue(result.errors.contains("not UTF-8"), result.errors)
    XCTAssertFalse(result.errors.contains("NSCocoaErrorDomain"))
  }
}
