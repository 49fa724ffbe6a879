// The stunetc command line: help everywhere, graph/info for presets and custom variants, clear errors.
import Driver
import Foundation
import XCTest

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
