// The stunetc command line: help everywhere, graph/info for presets and custom variants, clear errors.
import Driver
import Foundation
import XCTest
#if canImport(Glibc)
  import Glibc
#endif

final class CommandLineTests: XCTestCase {
  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  func testEverySubcommandHasHelp() {
    XCTAssertEqual(run(["--help"]).status, 0)
    for command in CommandLineTool.subcommands {
      let result = run([command.name, "--help"])
      XCTAssertEqual(result.status, 0, command.name)
      XCTAssertTrue(result.output.contains("usage: stunetc \(command.name)"), command.name)
    }
  }

  func testHelpForAnUnknownSubcommandIsAnError() {
    let result = run(["help", "frobnicate"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.errors.contains("'frobnicate': it is not a subcommand"), result.errors)
    XCTAssertEqual(run(["help", "run"]).status, 0)
  }

  func testKernelStagesAreRefusedForAGraphEmissionAndTheCountIsTheGraphPasses() {
    let tiny = ["--widths", "2,4,8,8,8,8", "--depths", "1,1,1,1,1,1", "--classes", "3", "--input-shape", "1,1,32,32,32"]
    let refused = run(["compile"] + tiny + ["--print-after=plan-memory"])
    XCTAssertEqual(refused.status, 2)
    XCTAssertTrue(refused.errors.contains("only with --emit kernels"), refused.errors)
    let printed = run(["compile"] + tiny + ["--print-after-all"])
    XCTAssertEqual(printed.status, 0, printed.errors)
    XCTAssertTrue(printed.errors.contains("(9/9)"), printed.errors)
    XCTAssertFalse(printed.errors.contains("/11)"), printed.errors)
  }

  func testUnreadableScansAreNamedInWords() throws {
    let missing = run(["segment", "/nonexistent/ct.nii.gz", "-o", "/tmp/stunetc-never-written.nii.gz", "--random-weights", "1"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.errors.contains("no such file"), missing.errors)
    let folder = run(["segment", NSTemporaryDirectory(), "-o", "/tmp/stunetc-never-written.nii.gz", "--random-weights", "1"])
    XCTAssertTrue(folder.errors.contains("it is a folder"), folder.errors)
    XCTAssertFalse((missing.errors + folder.errors).contains("NSCocoaErrorDomain"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/stunetc-never-written.nii.gz"))
  }

  func testInfoReportsTheOfficialParameterCounts() {
    for (variant, count) in [("S", "14,596,941"), ("B", "58,262,669"), ("L", "440,302,605"), ("H", "1,457,326,221")] {
      let result = run(["info", "--variant", variant])
      XCTAssertEqual(result.status, 0, result.errors)
      XCTAssertTrue(result.output.contains("parameters: \(count)"), result.output)
    }
    XCTAssertTrue(run(["info", "--variant", "S"]).output.contains("MACs: 130.07 G"))
  }

  func testCustomVariantGraphRoundTripsThroughAFile() throws {
    let custom = [
      "--widths", "8,16,32,64,96,96", "--depths", "1,2,1,2,1,1", "--classes", "14", "--strides", "2",
      "--input-shape", "1,1,32,32,32",
    ]
    let printed = run(["graph"] + custom)
    XCTAssertEqual(printed.status, 0, printed.errors)
    XCTAssertTrue(printed.output.contains("f32[1,14,32,32,32]"))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("custom-\(UUID()).ir").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertEqual(run(["graph"] + custom + ["-o", path]).status, 0)
    let reread = run(["graph", "--ir", path])
    XCTAssertEqual(reread.status, 0, reread.errors)
    XCTAssertEqual(reread.output, printed.output)
  }

  func testErrorsAreMessagesNotCrashes() {
    let unknown = run(["info", "--variant", "XL"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.errors.contains("unknown variant 'XL'"), unknown.errors)
    let badOption = run(["graph", "--variant", "S", "--frobnicate"])
    XCTAssertTrue(badOption.errors.contains("unknown option --frobnicate"), badOption.errors)
    let badShape = run(["info", "--variant", "S", "--input-shape", "1,1,100,128,128"])
    XCTAssertNotEqual(badShape.status, 0)
    XCTAssertTrue(badShape.errors.contains("divisible"), badShape.errors)
    let missingFile = run(["graph", "--ir", "/nonexistent/x.ir"])
    XCTAssertNotEqual(missingFile.status, 0)
    XCTAssertTrue(missingFile.errors.contains("cannot read IR file"), missingFile.errors)
    XCTAssertEqual(run(["frobnicate"]).status, 2)
  }
}

/// Regressions from the fresh-user review: outputs never destroy folders or devices, stray
/// arguments are refused, `--compare` checks shapes, `help CMD` works, a closed stdout does not trap.
final class CommandLineSafetyTests: XCTestCase {
  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  func testOutputNeverReplacesAFolderOrADevice() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("victim-\(UUID())")
    let inner = folder.appendingPathComponent("sub/data.txt")
    try FileManager.default.createDirectory(at: inner.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: inner)
    defer { try? FileManager.default.removeItem(at: folder) }
    let tiny = ["--widths", "2,4,8,16,32,32", "--depths", "1,1,1,1,1,1", "--classes", "3", "--input-shape", "1,1,32,32,64"]
    let result = run(["compile"] + tiny + ["-o", folder.path])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.errors.contains("is a directory"), result.errors)
    XCTAssertEqual(try String(contentsOf: inner, encoding: .utf8), "keep")
    let device = run(["graph"] + tiny + ["-o", "/dev/null"])
    XCTAssertEqual(device.status, 1)
    XCTAssertTrue(device.errors.contains("not a regular file"), device.errors)
    var info = stat()
    XCTAssertEqual(stat("/dev/null", &info), 0)
    XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a device")
    XCTAssertEqual(run(["graph"] + tiny + ["-o", ""]).status, 1)
    let missing = run(["graph"] + tiny + ["-o", folder.appendingPathComponent("nowhere/x.ir").path])
    XCTAssertTrue(missing.errors.contains("does not exist"), missing.errors)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    XCTAssertEqual(leftovers, ["sub"], "no temporary files left")
  }

  func testStrayArgumentsAndHelpForms() {
    let stray = run(["info", "--variant", "S", "extra"])
    XCTAssertEqual(stray.status, 2)
    XCTAssertTrue(stray.errors.contains("unexpected argument 'extra'"), stray.errors)
    XCTAssertEqual(run(["info", "--", "--variant", "S"]).status, 2, "after -- everything is positional")
    let help = run(["help", "info"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.output.contains("usage: stunetc info"), help.output)
    XCTAssertEqual(run([]).status, 2)
  }
}
