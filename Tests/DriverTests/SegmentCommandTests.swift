// `stunetc segment` as a user meets it: the demo on the embedded phantom (no ../shared needed),
// progress output, modes, and every kind of bad input or setting, which must give a clear message
// and leave no output file (not even a temporary) behind.
import Driver
import Foundation
import NIfTI
import SegmentCommandSupport
import TensorCore
import XCTest

final class SegmentCommandTests: SegmentTestCase {
  /// A small synthetic .nii written through the public NIfTI API (4 mm voxels, 12x10x8).
  func writeSmallScan(_ name: String) throws -> URL {
    let url = scratch(name)
    let shapeIJK = [12, 10, 8]
    let affine = [[4.0, 0, 0, -20], [0, 4, 0, -18], [0, 0, 4, -14], [0, 0, 0, 1]]
    let header = try NIfTIHeader.make(shapeIJK: shapeIJK, affine: affine, datatype: .int16)
    let count = shapeIJK.reduce(1, *)
    let values = (0..<count).map { Float(($0 * 37) % 400) - 200 }
    try NIfTIWriter.write(Tensor(shape: shapeIJK.reversed(), data: values), as: .int16, like: header, to: url, description: "test")
    return url
  }

  func testDemoSegmentsTheEmbeddedPhantomAndWritesAPreview() throws {
    let folder = scratch("demo")
    let result = run(["segment", "--demo", "--demo-folder", folder.path] + Self.tinyModel + ["--spacing", "4"])
    XCTAssertEqual(result.status, 0, result.errors)
    let phantom = try NIfTIReader.read(folder.appendingPathComponent("phantom.nii.gz"))
    XCTAssertEqual(phantom.shapeIJK, [96, 80, 64])
    XCTAssertEqual(phantom.header.datatype, .int16)
    XCTAssertEqual(phantom.spacingIJK, [2, 2, 2.5])
    let values = phantom.voxelsKJI.data
    XCTAssertTrue(values.contains { $0 < -900 } && values.contains { $0 > 900 }, "air and the 1000 HU marker")
    XCTAssertTrue(values.allSatisfy { $0 >= -1100 && $0 <= 1100 }, "plausible HU")
    let labels = try NIfTIReader.read(folder.appendingPathComponent("phantom_seg.nii.gz"))
    XCTAssertEqual(labels.shapeIJK, [96, 80, 64])
    assertGeometryBitIdentical(labels.header, phantom.header)
    let png = try Data(contentsOf: folder.appendingPathComponent("preview.png"))
    XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    XCTAssertTrue(result.errors.contains("RANDOM"), result.errors)
    XCTAssertTrue(result.output.contains("tiles             2x2x2 = 8"), result.output)
    XCTAssertTrue(result.output.contains("peak memory"), result.output)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
      ["phantom.nii.gz", "phantom_seg.nii.gz", "preview.png"])
  }

  func testSummaryListsEveryStageAndFastMirroredMode() throws {
    let input = try writeSmallScan("scan.nii")
    let result = try segment(input, extra: ["--fast", "--tta"])
    for stage in ["read", "model", "crop", "resample", "normalise", "pad", "network", "softmax", "aggregate", "argmax", "paste", "write", "total"] {
      XCTAssertTrue(result.output.contains("\n  \(stage) "), "stage \(stage) in\n\(result.output)")
    }
    XCTAssertTrue(result.output.contains("8 pass(es) each"), result.output)
    XCTAssertTrue(result.output.contains("mode              fast with 8-way mirroring"), result.output)
    XCTAssertEqual(result.image.shapeIJK, [12, 10, 8])
  }

  func testProgressLinesAndBar() throws {
    let input = try writeSmallScan("scan.nii")
    let lines = try segment(input)
    XCTAssertTrue(lines.errors.contains("tile 1/1 (100 %)"), lines.errors)
    XCTAssertTrue(lines.errors.contains("] resample"), lines.errors)
    let output = scratch("bar.nii.gz")
    let bar = run(["segment", input.path, "-o", output.path] + Self.tinyModel + ["--progress", "bar"])
    XCTAssertEqual(bar.status, 0, bar.errors)
    XCTAssertTrue(bar.errors.contains("\rtiles [----------------------------] 0/1"), bar.errors)
    XCTAssertTrue(bar.errors.contains("\rtiles [############################] 1/1"), bar.errors)
  }

  func testNormalModeAndFastModeBothKeepTheGeometry() throws {
    let input = try writeSmallScan("scan.nii.gz")
    let original = try NIfTIReader.read(input)
    for extra in [[], ["--fast"]] {
      let result = try segment(input, extra: extra)
      XCTAssertEqual(result.image.shapeIJK, [12, 10, 8])
      assertGeometryBitIdentical(result.image.header, original.header)
    }
  }

  /// Runs a command that must fail; checks the message and that the scratch folder is unchanged.
  func assertFailsWithoutOutput(
    _ arguments: [String], mentioning words: [String], status: Int32? = nil, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    let before = try scratchContents()
    let result = run(arguments)
    XCTAssertNotEqual(result.status, 0, file: file, line: line)
    if let status { XCTAssertEqual(result.status, status, result.errors, file: file, line: line) }
    for word in words {
      XCTAssertTrue(result.errors.contains(word), "'\(word)' in: \(result.errors)", file: file, line: line)
    }
    XCTAssertFalse(result.errors.contains("Fatal"), file: file, line: line)
    XCTAssertEqual(try scratchContents(), before, "nothing written", file: file, line: line)
  }

  func testBadInputsGiveClearErrorsAndNoOutput() throws {
    let output = scratch("seg.nii.gz").path
    let text = scratch("notes.nii.gz")
    try Data("this is not an image\n".utf8).write(to: text)
    try assertFailsWithoutOutput(["segment", text.path, "-o", output] + Self.tinyModel, mentioning: ["notes.nii.gz"])

    let scan = try writeSmallScan("scan.nii")
    var bytes = try Data(contentsOf: scan)
    let truncated = scratch("truncated.nii")
    try bytes.prefix(bytes.count - 100).write(to: truncated)
    try assertFailsWithoutOutput(["segment", truncated.path, "-o", output] + Self.tinyModel, mentioning: ["truncated.nii"])

    // A true 4-D series: dim[0] = 4, dim[4] = 2 (little-endian int16 at bytes 40 and 48), data twice.
    bytes[40] = 4
    bytes[48] = 2
    bytes.append(bytes.suffix(from: 352))
    let series = scratch("series.nii")
    try bytes.write(to: series)
    try assertFailsWithoutOutput(["segment", series.path, "-o", output] + Self.tinyModel, mentioning: ["series.nii", "4-D"])

    try assertFailsWithoutOutput(
      ["segment", scratch("absent.nii.gz").path, "-o", output] + Self.tinyModel, mentioning: ["absent.nii.gz"])
  }

  func testBadSettingsGiveClearErrorsAndNoOutput() throws {
    let scan = try writeSmallScan("scan.nii")
    let output = scratch("seg.nii.gz").path
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", scratch("missing/seg.nii.gz").path] + Self.tinyModel, mentioning: ["does not exist"],
      status: 2)
    try assertFailsWithoutOutput(["segment", scan.path, "-o", scan.path] + Self.tinyModel, mentioning: ["overwrite the input"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", scratch("seg.png").path] + Self.tinyModel, mentioning: ["must end in .nii or .nii.gz"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output] + Self.tinyModel + ["--label-order", "totalsegmentator-v1"],
      mentioning: ["105 classes"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output] + Self.tinyModel + ["--label-order", "alphabetical"], mentioning: ["--label-order"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output] + Self.tinyModel + ["--backend", "gpu"], mentioning: ["jit|interpreter"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output] + Self.tinyModel + ["--patch", "24"], mentioning: ["--patch", "divisible"])
    try assertFailsWithoutOutput(["segment", scan.path, "-o", output], mentioning: ["--weights"], status: 2)
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output, "--weights", scratch("w.model").path] + Self.tinyModel, mentioning: ["not both"],
      status: 2)
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output, "--weights", scratch("nothing.model").path], mentioning: ["does not exist"])
    try assertFailsWithoutOutput(
      ["segment", scan.path, "-o", output] + Self.tinyModel + ["--preview", scratch("p.jpg").path], mentioning: [".png"])
    try assertFailsWithoutOutput(["segment", "-o", output] + Self.tinyModel, mentioning: ["input scan"], status: 2)
  }

  func testPreviewIsOrientedForReadingWhateverTheStorageOrder() {
    let ras = [[1.5, 0, 0, 0], [0, 1.5, 0, 0], [0, 0, 1.5, 0], [0, 0, 0, 1]]
    let lps = [[-1.5, 0, 0, 0], [0, -1.5, 0, 0], [0, 0, 1.5, 0], [0, 0, 0, 1]]
    let inferiorFirst = [[-1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, -3, 0], [0, 0, 0, 1]]
    // i runs mostly along y and j mostly along x (a 90° in-plane rotation): left as stored.
    let swapped = [[0.1, -1, 0, 0], [1, 0.1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]]
    XCTAssertEqual(SegmentPreview.displayFlips(affine: ras), [1, 2])
    XCTAssertEqual(SegmentPreview.displayFlips(affine: lps), [])
    XCTAssertEqual(SegmentPreview.displayFlips(affine: inferiorFirst), [0, 1])
    XCTAssertEqual(SegmentPreview.displayFlips(affine: swapped), [])
  }

  func testHelpDescribesTheSubcommand() {
    let overview = run(["--help"])
    XCTAssertTrue(overview.output.contains("segment"), overview.output)
    let help = run(["segment", "--help"])
    XCTAssertEqual(help.status, 0)
    for option in ["--weights", "--fast", "--tta", "--label-order", "--preview", "--backend", "--demo", "-o FILE"] {
      XCTAssertTrue(help.output.contains(option), option)
    }
  }
}

/// The JIT backend segments the same as the reference interpreter (the default backend is the JIT).
final class SegmentJITTests: XCTestCase {
  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  func testJITLabelsEqualTheInterpreterLabels() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-segjit-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = [
      "--widths", "8,8,8,16,32,32", "--depths", "1,1,1,1,1,1", "--classes", "3", "--random-weights", "1", "--patch",
      "32", "--threads", "2", "--progress", "lines", "--spacing", "4",
    ]
    let demo = run(["segment", "--demo", "--demo-folder", directory.path, "--backend", "interpreter"] + model)
    XCTAssertEqual(demo.status, 0, demo.errors)
    let phantom = directory.appendingPathComponent("phantom.nii.gz").path
    let viaJIT = directory.appendingPathComponent("jit.nii.gz").path
    let jit = run(["segment", phantom, "-o", viaJIT] + model)
    XCTAssertEqual(jit.status, 0, jit.errors)
    XCTAssertTrue(jit.output.contains("LLVM JIT") || jit.errors.contains("LLVM JIT"), jit.output + jit.errors)
    let reference = try NIfTIReader.read(directory.appendingPathComponent("phantom_seg.nii.gz"))
    let labels = try NIfTIReader.read(URL(fileURLWithPath: viaJIT))
    XCTAssertEqual(labels.voxelsKJI.shape, reference.voxelsKJI.shape)
    let agree = zip(labels.voxelsKJI.data, reference.voxelsKJI.data).filter { $0 == $1 }.count
    XCTAssertGreaterThanOrEqual(Double(agree) / Double(max(labels.voxelsKJI.count, 1)), 0.999, "JIT and interpreter labels agree")
  }
}
