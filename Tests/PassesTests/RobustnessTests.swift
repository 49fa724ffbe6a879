// Passes on inputs a user can produce by accident: a dump directory holding an earlier run's
// numbered files (they go, nothing else does), and unverified graphs with sizes that overflow
// (the liveness estimate and schedule-memory saturate instead of trapping).
import DSL
import Foundation
import GraphIR
import Passes
import XCTest

final class RobustnessTests: XCTestCase {
  func testDumpDirectoryDropsNumberedFilesOfEarlierRunsOnly() throws {
    let fileManager = FileManager.default
    let directory = fileManager.temporaryDirectory.appendingPathComponent("stunetc-dump-\(UUID().uuidString)")
    defer { try? fileManager.removeItem(at: directory) }
    try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
    let stale = ["03-fuse-conv-norm-act.ir", "11-plan-memory.kir", "99-.ir", "00-input.ir"]
    let kept = ["notes.txt", "3-single-digit.ir", "03-other.irx", "ab-letters.ir", "03-run.ll", "003-three.ir", "x03-prefix.kir"]
    for name in stale + kept { try Data("old\n".utf8).write(to: directory.appendingPathComponent(name)) }
    // A directory whose name matches the pattern is not a dump file: left alone with its contents.
    let folder = directory.appendingPathComponent("05-folder.ir")
    try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("inside\n".utf8).write(to: folder.appendingPathComponent("01-inside.ir"))

    var options = PassOptions()
    options.dumpDirectory = directory.path
    options.stopAfter = "cse"
    let passes = optimizationPipeline()
    let instrumentation = try PassInstrumentation(options: options, stageNames: passes.map(\.name), output: { _ in })
    let graph = try STUNet(STUNetConfiguration(widths: [2, 4], depths: [1, 1], strides: [[2, 2, 2]], numClasses: 2))
      .graph(inputShape: [1, 1, 4, 4, 4]).graph
    _ = try PassRunner.run(graph, passes: passes, instrumentation: instrumentation)

    let files = Set(try fileManager.contentsOfDirectory(atPath: directory.path))
    XCTAssertEqual(files, Set(["00-input.ir", "01-dce.ir", "02-cse.ir", "05-folder.ir"] + kept))
    let input = try String(contentsOf: directory.appendingPathComponent("00-input.ir"), encoding: .utf8)
    XCTAssertEqual(input, Printer.print(graph), "rewritten by this run")
    XCTAssertTrue(fileManager.fileExists(atPath: folder.appendingPathComponent("01-inside.ir").path))
    for name in kept {
      XCTAssertEqual(try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8), "old\n", name)
    }
  }

  func testNumberedDumpPattern() {
    for name in ["00-input.ir", "42-x.kir", "10-.ir", "07-a.b.ir"] {
      XCTAssertTrue(PassInstrumentation.isNumberedDump(name), name)
    }
    for name in ["0-input.ir", "100-x.ir", "00_input.ir", "00-input.ll", "00-input.ir.bak", "0a-x.ir", "00-x\n.ir", "٠٠-x.ir"] {
      XCTAssertFalse(PassInstrumentation.isNumberedDump(name), name)
    }
  }

  /// A chain whose values are too large to count in bytes (only a verifier would reject it).
  private func overflowingChain() -> Graph {
    let huge = TensorType(.f32, [1 << 40, 1 << 30])
    let big = TensorType(.f32, [1 << 60])
    return Graph(
      name: "g", inputs: [GraphInput(name: "x", type: huge)],
      nodes: [
        Node(.leakyRelu, operands: [.value("x")], result: "a", type: huge),
        Node(.leakyRelu, operands: [.value("x")], result: "b", type: big),
        Node(.add, operands: [.value("a"), .value("a")], result: "c", type: huge),
        Node(.add, operands: [.value("b"), .value("b")], result: "d", type: big),
      ], outputs: ["c", "d"])
  }

  func testLivenessAndSchedulingSaturateOnOverflowingSizes() throws {
    let graph = overflowingChain()
    let estimate = LivenessEstimate(graph)
    XCTAssertEqual(estimate.peakBytes, Int.max)
    XCTAssertEqual(estimate.liveBytesPerStep.count, 4)
    XCTAssertTrue(estimate.liveBytesPerStep.allSatisfy { $0 == Int.max })
    var scheduled = graph
    try MemoryAwareScheduling().run(&scheduled)
    XCTAssertEqual(Set(scheduled.nodes.map(\.result)), ["a", "b", "c", "d"])

    // Large values that fit: the estimate is exact even past what Int could hold for a moment.
    let half = TensorType(.u8, [Int.max / 2 + 1])
    let exact = Graph(
      name: "g", inputs: [GraphInput(name: "x", type: TensorType(.u8, [16]))],
      nodes: [
        Node(.leakyRelu, operands: [.value("x")], result: "a", type: half),
        Node(.leakyRelu, operands: [.value("a")], result: "b", type: half),
        Node(.leakyRelu, operands: [.value("b")], result: "c", type: TensorType(.u8, [8])),
        Node(.leakyRelu, operands: [.value("c")], result: "d", type: TensorType(.u8, [4])),
      ], outputs: ["d"])
    let steps = LivenessEstimate(exact).liveBytesPerStep
    XCTAssertEqual(steps[0], 16 + Int.max / 2 + 1)
    XCTAssertEqual(steps[1], Int.max, "a and b together exceed Int.max")
    XCTAssertEqual(steps[2], Int.max / 2 + 1 + 8, "b's bytes come back out exactly")
    XCTAssertEqual(steps[3], 12)
  }
}
