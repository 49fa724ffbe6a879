// `stunetc compile` flags and `stunetc info --optimized` from the command line.
import Driver
import Foundation
import GraphIR
import XCTest

final class CompileCommandTests: XCTestCase {
  let tiny = ["--widths", "2,4,8,16,32,32", "--depths", "2,2,2,2,2,2", "--classes", "3", "--input-shape", "1,1,32,32,64"]

  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  func testCodeGenerationOptionsOnAGraphEmissionAreWarnedAbout() throws {
    let warned = run(["compile"] + tiny + ["--target", "scalar", "--threads", "2"])
    XCTAssertEqual(warned.status, 0, warned.errors)
    XCTAssertTrue(warned.errors.contains("warning: --target, --threads only affect"), warned.errors)
    let kernels = run(["compile"] + tiny + ["--target", "scalar", "--emit", "kernels"])
    XCTAssertEqual(kernels.status, 0, kernels.errors)
    XCTAssertFalse(kernels.errors.contains("warning"), kernels.errors)
  }

  func testOptimisedGraphIsFusedAndParses() throws {
    let result = run(["compile"] + tiny + ["--verify-each"])
    XCTAssertEqual(result.status, 0, result.errors)
    let graph = try Parser.parse(result.output)
    try Verifier.verify(graph)
    XCTAssertTrue(graph.nodes.contains { $0.kind == .fusedConv3d })
    XCTAssertFalse(graph.nodes.contains { $0.kind == .concat })
  }

  func testPrintAfterStopAfterAndDumpDirectory() throws {
    let printed = run(["compile"] + tiny + ["--print-after=dce", "--stop-after=dce"])
    XCTAssertEqual(printed.status, 0, printed.errors)
    XCTAssertTrue(printed.errors.contains("dce"), printed.errors)
    XCTAssertFalse(printed.output.contains("fused_conv3d"), "stopped before fusion")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-dump-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    XCTAssertEqual(run(["compile"] + tiny + ["--dump-dir", directory.path]).status, 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    XCTAssertEqual(files.first, "00-input.ir")
    XCTAssertTrue(files.contains("01-dce.ir"), "\(files)")
  }

  func testUnknownPassNamesAreListed() {
    let result = run(["compile"] + tiny + ["--print-after=fuse-everything"])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.errors.contains("fuse-everything") && result.errors.contains("dce"), result.errors)
  }

  func testInfoOptimizedReportsMACsBeforeAndAfter() {
    let result = run(["info", "--variant", "S", "--optimized"])
    XCTAssertEqual(result.status, 0, result.errors)
    XCTAssertTrue(result.output.contains("MACs 130.07 G before, 127.12 G after"), result.output)
  }

  func testEmitKernelsReportsThePlannedArena() throws {
    let result = run(["compile", "--variant", "S", "--emit", "kernels", "--verify-each"])
    XCTAssertEqual(result.status, 0, result.errors)
    XCTAssertTrue(result.output.contains("arena:"), result.output)
    let arenaLine = try XCTUnwrap(result.output.split(separator: "\n").first { $0.contains("//   arena:") })
    let bytes = try XCTUnwrap(Int(arenaLine.split(separator: " ").first { Int($0) != nil } ?? ""))
    XCTAssertLessThanOrEqual(bytes, 1 << 30, "STU-Net-S activations at 128^3 fit in 1 GiB")
    let stopped = run(["compile"] + tiny + ["--emit", "kernels", "--stop-after=lower-to-kernels"])
    XCTAssertEqual(stopped.status, 0, stopped.errors)
    XCTAssertTrue(stopped.output.contains("conv3d"), "the lowered, not yet planned, program is emitted")
  }

  func testKernelStagesAreDumpedWithTheGraphPasses() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-kdump-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = run(["compile"] + tiny + ["--emit", "kernels", "--dump-dir", directory.path])
    XCTAssertEqual(result.status, 0, result.errors)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    XCTAssertTrue(files.contains { $0.hasSuffix("-lower-to-kernels.kir") }, "\(files)")
    XCTAssertTrue(files.contains { $0.hasSuffix("-plan-memory.kir") }, "\(files)")
  }

  func testDotOutput() {
    let result = run(["compile"] + tiny + ["--emit", "dot"])
    XCTAssertEqual(result.status, 0, result.errors)
    XCTAssertTrue(result.output.hasPrefix("digraph"))
  }
}
