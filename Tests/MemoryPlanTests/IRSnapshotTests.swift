// IR/models/<S|B|L|H>/: the Graph IR of each preset at 1x1x128^3 before (graph.ir) and after
// the optimisation passes (graph.optimized.ir), and its lowered, memory-planned Kernel IR
// (kernels.kir, ending with the memory summary). This test fails when the files are stale;
// `STUNETC_REGENERATE_IR=1 swift test --filter IRSnapshotTests` rewrites them (IR/README.md).
import DSL
import Foundation
import GraphIR
import KernelIR
import MemoryPlan
import Passes
import XCTest

final class IRSnapshotTests: XCTestCase {
  static var regenerating: Bool { ProcessInfo.processInfo.environment["STUNETC_REGENERATE_IR"] == "1" }

  func compareOrWrite(_ text: String, _ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let url = TestModels.packageRoot.appendingPathComponent("IR/" + relativePath)
    if Self.regenerating {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    guard let stored = try? String(contentsOf: url, encoding: .utf8) else {
      XCTFail("IR/\(relativePath) is missing: run `STUNETC_REGENERATE_IR=1 swift test --filter IRSnapshotTests`", file: file, line: line)
      return
    }
    XCTAssertTrue(
      stored == text, "IR/\(relativePath) is stale: run `STUNETC_REGENERATE_IR=1 swift test --filter IRSnapshotTests`",
      file: file, line: line)
  }

  func testModelIRFilesAreCurrent() throws {
    for (name, configuration) in STUNetConfiguration.presets {
      let graph = try STUNet(configuration).graph(inputShape: [1, 1, 128, 128, 128]).graph
      let optimized = try optimize(graph)
      var program = try Lowering.lower(optimized, target: .avx2)
      try MemoryPlanner.plan(&program)
      try compareOrWrite(Printer.print(graph), "models/\(name)/graph.ir")
      try compareOrWrite(Printer.print(optimized), "models/\(name)/graph.optimized.ir")
      try compareOrWrite(KernelPrinter.print(program), "models/\(name)/kernels.kir")
    }
  }

  /// The stored Kernel IR reads back, verifies and its plan passes the checker.
  func testStoredKernelProgramsAreValidPlans() throws {
    for (name, _) in STUNetConfiguration.presets {
      let url = TestModels.packageRoot.appendingPathComponent("IR/models/\(name)/kernels.kir")
      let program = try KernelParser.parse(try String(contentsOf: url, encoding: .utf8))
      try KernelVerifier.verify(program)
      try PlanChecker.check(program)
      XCTAssertNotNil(program.arenaBytes, name)
    }
  }
}
