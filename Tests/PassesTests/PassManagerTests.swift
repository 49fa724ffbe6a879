// The pass manager and its instrumentation: print before/after (all, named, only on change),
// verify-each (catches a broken pass and names it), stop-after, time-passes, numbered dump files
// continued by later non-graph stages, flag parsing and the error for unknown pass names.
import DSL
import Foundation
import GraphIR
import Passes
import XCTest

final class PassManagerTests: XCTestCase {
  static func smallUNet() throws -> Graph {
    let configuration = STUNetConfiguration(
      widths: [2, 4, 8], depths: [1, 2, 1], strides: [[2, 2, 2], [1, 1, 2]], numClasses: 3)
    return try STUNet(configuration).graph(inputShape: [1, 1, 4, 4, 8]).graph
  }

  /// Runs the default pipeline with `options`, collecting everything written to the sink.
  func run(_ options: PassOptions, laterStages: [String] = []) throws -> (graph: Graph, output: String) {
    var text = ""
    let runner = PassRunner(options: options, laterStageNames: laterStages, output: { text += $0 })
    let graph = try runner.run(try Self.smallUNet(), passes: optimizationPipeline())
    return (graph, text)
  }

  /// A pass that breaks the graph: it declares a wrong result type on the first node.
  struct CorruptingPass: GraphPass {
    let name = "corrupt"
    let summary = "declares a wrong result type (test only)"
    func run(_ graph: inout Graph) throws {
      graph.nodes[0].resultTypes = [TensorType(.f32, [1])]
    }
  }

  func testPrintAfterAllShowsEveryPassInOrderWithTheIR() throws {
    var options = PassOptions()
    options.printAfterAll = true
    let (graph, output) = try run(options)
    var searchStart = output.startIndex
    for (index, name) in PassRegistry.names.enumerated() {
      let header = "// ===== IR after \(name) (\(index + 1)/\(PassRegistry.names.count)) ====="
      guard let range = output.range(of: header, range: searchStart..<output.endIndex) else {
        return XCTFail("missing or out of order: \(header)\n\(output.prefix(500))")
      }
      searchStart = range.upperBound
    }
    XCTAssertTrue(output.hasSuffix(Printer.print(graph)), "the last dump is the final graph")
  }

  func testPrintBeforeAndAfterNamedPassesOnly() throws {
    var options = PassOptions()
    try options.set(flag: "print-before", value: "dce")
    try options.set(flag: "print-after", value: "fuse-plain-conv,fold-concat-into-conv")
    let (_, output) = try run(options)
    let headers = output.split(separator: "\n").filter { $0.hasPrefix("// =====") }
    XCTAssertEqual(
      headers,
      [
        "// ===== IR before dce (1/9) =====", "// ===== IR after fuse-plain-conv (7/9) =====",
        "// ===== IR after fold-concat-into-conv (8/9) =====",
      ])
    XCTAssertTrue(output.contains("seg_outputs.0"), "before dce the dead head is still there")
  }

  func testPrintAfterChangeSkipsPassesThatChangeNothing() throws {
    var options = PassOptions()
    options.printAfterAll = true
    options.printAfterChangeOnly = true
    let (_, output) = try run(options)
    XCTAssertFalse(output.contains("IR after cse"), "cse changes nothing on STU-Net")
    XCTAssertTrue(output.contains("IR after dce"))
  }

  func testStopAfterEndsThePipelineThere() throws {
    var options = PassOptions()
    options.stopAfter = "fuse-conv-norm-act"
    let (graph, _) = try run(options)
    var expected = try Self.smallUNet()
    for pass in optimizationPipeline().prefix(6) { try pass.run(&expected) }
    XCTAssertEqual(graph, expected)
    XCTAssertTrue(graph.nodes.contains { $0.kind == .conv3d }, "plain convs are not fused yet")
  }

  func testVerifyEachNamesThePassThatBrokeTheGraph() throws {
    var options = PassOptions()
    options.verifyEach = true
    let passes: [any GraphPass] = [DeadCodeElimination(), CorruptingPass(), FusePlainConvolution()]
    XCTAssertThrowsError(try PassRunner(options: options, output: { _ in }).run(try Self.smallUNet(), passes: passes)) {
      error in
      guard case PassError.verificationFailed(let stage, let message) = error else {
        return XCTFail("unexpected error \(error)")
      }
      XCTAssertEqual(stage, "corrupt")
      XCTAssertTrue(message.contains("declared result type"), message)
      XCTAssertTrue("\(error)".contains("after 'corrupt'"))
    }
    var broken = try Self.smallUNet()
    broken.outputs = ["nowhere"]
    XCTAssertThrowsError(try PassRunner(options: options, output: { _ in }).run(broken, passes: [])) { error in
      guard case PassError.invalidInput(let message) = error else { return XCTFail("unexpected error \(error)") }
      XCTAssertTrue(message.contains("%nowhere"), message)
    }
    options.verifyEach = false
    XCTAssertNoThrow(try PassRunner(options: options, output: { _ in }).run(try Self.smallUNet(), passes: passes))
  }

  func testTimePassesReportsEveryPassAndTheTotal() throws {
    var options = PassOptions()
    options.timePasses = true
    let (_, output) = try run(options)
    XCTAssertTrue(output.contains("pass timing"), output)
    for name in PassRegistry.names + ["total"] {
      XCTAssertTrue(output.split(separator: "\n").contains { $0.hasSuffix("  " + name) }, "\(name) in\n\(output)")
    }
  }

  func testDumpDirectoryHoldsOneNumberedFilePerStageIncludingLaterStages() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-dump-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var options = PassOptions()
    options.dumpDirectory = directory.path
    options.verifyEach = true
    let passes = optimizationPipeline()
    let instrumentation = try PassInstrumentation(
      options: options, stageNames: passes.map(\.name) + ["lower"], output: { _ in })
    let graph = try PassRunner.run(try Self.smallUNet(), passes: passes, instrumentation: instrumentation)
    XCTAssertFalse(instrumentation.stopped)
    // A later stage on another IR (here: a list of op names) with its own printer and verifier.
    let lowered = try instrumentation.runStage(
      named: "lower", from: graph, inputPrinter: Printer.print, printer: { $0.joined(separator: "\n") + "\n" },
      verifier: { (ops: [String]) in if ops.isEmpty { throw PassError.invalidOption(flag: "x", message: "empty") } },
      fileExtension: "kir"
    ) { $0.nodes.map(\.op) }
    instrumentation.finish()
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    let expected =
      ["00-input.ir"] + passes.enumerated().map { String(format: "%02d-%@.ir", $0.offset + 1, $0.element.name) }
      + ["10-lower.kir"]
    XCTAssertEqual(files, expected)
    let last = try String(contentsOf: directory.appendingPathComponent("09-schedule-memory.ir"), encoding: .utf8)
    XCTAssertEqual(last, Printer.print(graph))
    let kernels = try String(contentsOf: directory.appendingPathComponent("10-lower.kir"), encoding: .utf8)
    XCTAssertEqual(kernels, lowered.joined(separator: "\n") + "\n")
    XCTAssertEqual(instrumentation.timings.map(\.stage), passes.map(\.name) + ["lower"])
  }

  func testStagesAfterStopAreRefused() throws {
    var options = PassOptions()
    options.stopAfter = "dce"
    let instrumentation = try PassInstrumentation(options: options, stageNames: ["dce", "lower"], output: { _ in })
    _ = try PassRunner.run(try Self.smallUNet(), passes: [DeadCodeElimination()], instrumentation: instrumentation)
    XCTAssertTrue(instrumentation.stopped)
    var value = 0
    XCTAssertThrowsError(
      try instrumentation.runStage(named: "lower", on: &value, printer: { "\($0)" }, verifier: nil) { $0 += 1 }
    ) { XCTAssertEqual($0 as? PassError, .stageAfterStop("lower")) }
  }

  func testUnknownPassNamesAreRejectedWithTheValidNames() throws {
    var options = PassOptions()
    options.printAfter = ["fuse-everything"]
    XCTAssertThrowsError(try run(options, laterStages: ["lower-to-kernels"])) { error in
      let message = "\(error)"
      XCTAssertTrue(message.contains("unknown pass 'fuse-everything' in --print-after"), message)
      XCTAssertTrue(message.contains("dce, cse, commute-upsample-conv"), message)
      XCTAssertTrue(message.contains("lower-to-kernels"), message)
    }
    options = PassOptions()
    options.stopAfter = "lower-to-kernels"
    XCTAssertNoThrow(try run(options, laterStages: ["lower-to-kernels"]), "later stage names are valid")
    XCTAssertThrowsError(try PassRegistry.pipeline(parsing: "dce,nope")) { error in
      XCTAssertTrue("\(error)".contains("unknown pass 'nope'"), "\(error)")
    }
  }

  func testFlagsParse() throws {
    var options = PassOptions()
    XCTAssertTrue(try options.set(flag: "print-after", value: "dce, cse"))
    XCTAssertTrue(try options.set(flag: "print-after", value: "fold-concat-into-conv"))
    XCTAssertTrue(try options.set(flag: "verify-each", value: nil))
    XCTAssertTrue(try options.set(flag: "dump-dir", value: "/tmp/x"))
    XCTAssertFalse(try options.set(flag: "variant", value: "S"), "not a pass-manager flag")
    XCTAssertEqual(options.printAfter, ["dce", "cse", "fold-concat-into-conv"])
    XCTAssertTrue(options.verifyEach)
    XCTAssertEqual(options.dumpDirectory, "/tmp/x")
    XCTAssertThrowsError(try options.set(flag: "stop-after", value: nil))
    XCTAssertThrowsError(try options.set(flag: "stop-after", value: "dce,cse"))
    XCTAssertThrowsError(try options.set(flag: "time-passes", value: "yes"))
    XCTAssertEqual(Set(PassOptions.flags.map(\.name)).count, PassOptions.flags.count)
  }

  func testRegistryNamesAreUniqueAndThePipelineUsesThemAll() {
    XCTAssertEqual(Set(PassRegistry.names).count, PassRegistry.names.count)
    XCTAssertEqual(optimizationPipeline().map(\.name), PassRegistry.names)
    XCTAssertTrue(PassRegistry.all.allSatisfy { !$0.summary.isEmpty })
  }
}
