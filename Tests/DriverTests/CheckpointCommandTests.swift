// `stunetc inspect` and `stunetc run --weights CHECKPOINT` on the official-format files: plans,
// configuration inference, golden logits from every checkpoint flavour, and bad-file diagnoses.
import Archive
import Driver
import Foundation
import TensorCore
import XCTest

final class CheckpointCommandTests: XCTestCase {
  let root = SharedResources.packageRoot(fromTestFile: #filePath)

  func shared(_ path: String) throws -> URL {
    guard let url = SharedResources.file(path, packageRoot: root) else {
      throw XCTSkip("needs ../shared/\(path) (absent): skipped")
    }
    return url
  }

  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  func testInspectShowsTheOfficialPlans() throws {
    for size in ["small", "base", "large", "huge"] {
      let result = run(["inspect", try shared("golden/plans/\(size)_ep4k.model.pkl").path])
      XCTAssertEqual(result.status, 0, result.errors)
      XCTAssertTrue(result.output.contains("strides: [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]]"), result.output)
      XCTAssertTrue(result.output.contains("patch size: 128x128x128"), result.output)
      XCTAssertTrue(result.output.contains("target spacing: 1.5 x 1.5 x 1.5 mm"), result.output)
      XCTAssertTrue(result.output.contains("normalization: nonCT"), result.output)
      XCTAssertTrue(result.output.contains("trainer: STUNetTrainer_\(size)"), result.output)
    }
  }

  func testInspectDescribesAPlansFileWithoutStages() throws {
    let result = run(["inspect", try shared("golden/plans/plans.pkl").path])
    XCTAssertEqual(result.status, 0, result.errors)
    for line in ["num_classes: 104", "num_modalities: 1", "normalization_schemes: {0: 'nonCT'}", "use_mask_for_norm: {0: False}"] {
      XCTAssertTrue(result.output.contains(line), "\(line): \(result.output)")
    }
    XCTAssertTrue(result.output.contains("cannot configure a model"), result.output)
  }

  func testInspectRecognisesPresetSAndTheTinyConfiguration() throws {
    let s = run(["inspect", try shared("golden/stunet_s_random.pth").path])
    XCTAssertEqual(s.status, 0, s.errors)
    XCTAssertTrue(s.output.contains("matches: STU-Net-S"), s.output)
    XCTAssertTrue(s.output.contains("parameters: 14,596,941"), s.output)
    let tiny = run(["inspect", try shared("golden/stunet_tiny_module_fp16.model").path])
    XCTAssertEqual(tiny.status, 0, tiny.errors)
    XCTAssertTrue(tiny.output.contains("widths [2, 4, 8, 16, 32, 32], depths [2, 2, 2, 2, 2, 2]"), tiny.output)
    XCTAssertTrue(tiny.output.contains("float16"), tiny.output)
  }

  func testBadCheckpointFilesAreNamed() throws {
    let expectations = [
      ("c35a_git_lfs_pointer.model", "Git LFS pointer"), ("c35b_html_error_page.model", "HTML page"),
      ("c35d_tiny_checkpoint_truncated.model", "truncated zip archive: 1044 of"),
    ]
    for (file, message) in expectations {
      let result = run(["inspect", try shared("cases/files/weights/\(file)").path])
      XCTAssertEqual(result.status, 1, file)
      XCTAssertTrue(result.errors.contains(message), result.errors)
    }
    XCTAssertEqual(run(["inspect", try shared("cases/files/weights/c35c_tiny_checkpoint_ok.model").path]).status, 0)
  }

  /// Every checkpoint flavour runs without --variant (configuration inferred) and reproduces the logits.
  func testEveryCheckpointFlavourReproducesTheGoldenLogits() throws {
    let io = try NpzArchive(url: try shared("golden/stunet_tiny_io.npz"))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-ckpt-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("input.npy")
    try NumpyFile.write(try io.tensor("input"), to: input)
    let expected = try io.tensor("logits")
    // The fp16 file's weights are the golden weights rounded to fp16 (relative 2^-11 each); through
    // the 40-odd layers the logits move by 4.9e-3 of their scale (measured), so that file is held to
    // 1e-2 against the fp32 golden logits here, and to 1e-4 against the exact fp16-weight network in
    // testFP16CheckpointEqualsTheGoldenNetworkWithFP16RoundedWeights.
    for (file, bound) in [
      ("stunet_tiny_v1.model", 1e-4), ("stunet_tiny_v2.pth", 1e-4), ("stunet_tiny_legacy.model", 1e-4),
      ("stunet_tiny_module_fp16.model", 1e-2),
    ] {
      let output = directory.appendingPathComponent("\(file).npy")
      let result = run([
        "run", "--weights", try shared("golden/\(file)").path, "--input", input.path, "--output", output.path,
      ])
      XCTAssertEqual(result.status, 0, "\(file): \(result.errors)")
      let report = TensorComparison.compare(try NumpyFile.read(output), expected)
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, bound, "\(file): \(report)")
    }
  }

  func testFP16CheckpointEqualsTheGoldenNetworkWithFP16RoundedWeights() throws {
    let io = try NpzArchive(url: try shared("golden/stunet_tiny_io.npz"))
    let golden = try NpzArchive(url: try shared("golden/stunet_tiny_weights.npz"))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-fp16-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var rounded: [(String, Tensor)] = []
    for name in golden.names {
      var tensor = try golden.tensor(name)
      tensor.data = tensor.data.map { Float(Float16($0)) }
      rounded.append((name, tensor))
    }
    let roundedWeights = directory.appendingPathComponent("rounded.npz")
    try NpzArchive.write(rounded, to: roundedWeights)
    let input = directory.appendingPathComponent("input.npy")
    try NumpyFile.write(try io.tensor("input"), to: input)
    let model = ["--widths", "2,4,8,16,32,32", "--depths", "2,2,2,2,2,2", "--classes", "3"]
    let expected = directory.appendingPathComponent("expected.npy")
    XCTAssertEqual(run(["run"] + model + ["--weights", roundedWeights.path, "--input", input.path, "--output", expected.path]).status, 0)
    let actual = directory.appendingPathComponent("actual.npy")
    let result = run([
      "run", "--weights", try shared("golden/stunet_tiny_module_fp16.model").path, "--input", input.path,
      "--output", actual.path, "--compare", expected.path,
    ])
    XCTAssertEqual(result.status, 0, result.errors + result.output)
  }

  func testMismatchedWeightsListEveryProblemAtOnce() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-bind-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("x.npy")
    try NumpyFile.write(Tensor(zeros: [1, 1, 32, 32, 64]), to: input)
    let result = run([
      "run", "--variant", "S", "--weights", try shared("golden/stunet_tiny_v1.model").path, "--input", input.path,
      "--output", directory.appendingPathComponent("y.npy").path,
    ])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.errors.contains("with the wrong shape"), result.errors)
    XCTAssertTrue(result.errors.contains("conv_blocks_context.0.0.conv1.weight: model [16, 1, 3, 3, 3], checkpoint [2, 1, 3, 3, 3]"), result.errors)
    XCTAssertTrue(result.errors.contains("unexpected key(s)"), result.errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("y.npy").path))
  }
}
