// Case C31: a kernel whose second output nobody reads still owns its bytes for its whole
// execution; planning on (one arena) and off (separate allocations) give bit-identical results;
// and the independent checker rejects deliberately corrupted plans (and, run anyway, the
// corrupted plan really changes the results).
import DSL
import GraphIR
import Interpreter
import KernelIR
import MemoryPlan
import TensorCore
import XCTest

final class PlanCheckerTests: XCTestCase {
  /// A conv whose statistics output is never read, then same-sized allocations.
  static let unusedSecondOutput = """
    kernels @unused_second_output {
      target {alignment = 64, l1_bytes = 32768, l2_bytes = 524288, name = "x86-64-avx2", threads = 2, vector_width = 8}
      buffer %x : f32[1,8,4,4,4] NCDHW input {bytes = 2048}
      buffer @w : f32[8,8,3,3,3] OIDHW8o weight(@w) {bytes = 6912}
      buffer %y : f32[1,8,4,4,4] NCDHW8c activation {bytes = 2048}
      buffer %s : f32[1,8,4,3] row_major activation {bytes = 384}
      buffer %t : f32[1,8,4,3] row_major activation {bytes = 384}
      buffer %z : f32[1,8,4,4,4] NCDHW8c activation {bytes = 2048}
      buffer %u : f32[1,8,4,3] row_major activation {bytes = 384}
      buffer %out : f32[1,8,4,4,4] NCDHW output {bytes = 2048}
      kernel conv3d_direct(input: %x, weight: @w) -> (output: %y, stats: %s) {padding = [1,1,1,1,1,1], stat_parts = 4, stride = [1,1,1]} cost {bytes = 0, flops = 0}
      kernel channel_stats(input: %y) -> (stats: %t) {stat_parts = 4} cost {bytes = 0, flops = 0}
      kernel norm_act(input: %y, stats: %t) -> (output: %z) {eps = 1e-05, slope = 0.1, stat_parts = 4} cost {bytes = 0, flops = 0}
      kernel channel_stats(input: %z) -> (stats: %u) {stat_parts = 4} cost {bytes = 0, flops = 0}
      kernel norm_act(input: %z, stats: %u) -> (output: %out) {eps = 1e-05, stat_parts = 4} cost {bytes = 0, flops = 0}
      output %out
    }
    """

  func inputs() -> ([String: Tensor], [String: Tensor]) {
    var generator = SeededGenerator(seed: 31)
    let x = Tensor(shape: [1, 8, 4, 4, 4], data: (0..<512).map { _ in generator.symmetric() })
    let w = Tensor(shape: [8, 8, 3, 3, 3], data: (0..<1728).map { _ in generator.symmetric() * 0.2 })
    return (["x": x], ["w": w])
  }

  func testUnusedSecondOutputKeepsItsBytesDuringItsKernel() throws {
    var program = try KernelParser.parse(Self.unusedSecondOutput)
    try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    let s = try XCTUnwrap(program.buffer(named: "s"))
    XCTAssertEqual(s.live, LiveInterval(0, 0), "live for the whole of its producing kernel")
    let sRange = try XCTUnwrap(s.offset)..<(try XCTUnwrap(s.offset) + s.byteCount)
    for other in ["x", "y"] {
      let buffer = try XCTUnwrap(program.buffer(named: other))
      let range = try XCTUnwrap(buffer.offset)..<(try XCTUnwrap(buffer.offset) + buffer.byteCount)
      XCTAssertFalse(range.overlaps(sRange), "%s shares bytes with %\(other), live in the same kernel")
    }
    let (inputs, weights) = inputs()
    let interpreter = try KernelInterpreter(program: program, weights: weights)
    let planned = try interpreter.run(inputs: inputs, memory: .arena)
    let separate = try interpreter.run(inputs: inputs, memory: .separateAllocations)
    XCTAssertEqual(planned["out"]?.data.map(\.bitPattern), separate["out"]?.data.map(\.bitPattern))
  }

  func testCheckerRejectsAnUnusedOutputPlacedOverALiveBuffer() throws {
    var program = try KernelParser.parse(Self.unusedSecondOutput)
    try MemoryPlanner.plan(&program)
    let (inputs, weights) = inputs()
    let reference = try KernelInterpreter(program: program, weights: weights).run(inputs: inputs, memory: .separateAllocations)
    // What the planner of case C31 did: treat the unread output as dead and reuse its bytes for %y.
    var corrupted = program
    let y = try XCTUnwrap(corrupted.buffers.firstIndex { $0.name == "y" })
    let s = try XCTUnwrap(corrupted.buffers.firstIndex { $0.name == "s" })
    corrupted.buffers[s].offset = corrupted.buffers[y].offset
    corrupted.buffers[s].live = nil
    XCTAssertThrowsError(try PlanChecker.check(corrupted)) { error in
      XCTAssertEqual((error as? PlanError)?.kind, .overlap, "\(error)")
      XCTAssertTrue("\(error)".contains("%y") && "\(error)".contains("%s"), "\(error)")
    }
    // Run anyway: the statistics overwrite %y while the conv writes it, and the result changes.
    let broken = try KernelInterpreter(program: corrupted, weights: weights).run(inputs: inputs, memory: .arena)
    XCTAssertNotEqual(broken["out"]?.data, reference["out"]?.data)
  }

  func testCheckerRejectsOtherCorruptions() throws {
    var program = try Lowering.lower(try STUNet(TestModels.tiny).graph(inputShape: TestModels.tinyInput).graph, target: .avx2)
    try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    func expect(_ kinds: Set<PlanError.Kind>, naming name: String, _ change: (inout KernelProgram) throws -> Void, line: UInt = #line) rethrows {
      var corrupted = program
      try change(&corrupted)
      XCTAssertThrowsError(try PlanChecker.check(corrupted), line: line) { error in
        XCTAssertTrue((error as? PlanError).map { kinds.contains($0.kind) } ?? false, "\(error)", line: line)
        XCTAssertTrue("\(error)".contains("%" + name), "\(error)", line: line)
      }
    }
    func position(_ name: String) throws -> Int { try XCTUnwrap(program.buffers.firstIndex { $0.name == name }) }
    let inPlace = try XCTUnwrap(program.buffers.firstIndex { $0.inPlaceOf != nil })
    let inPlaceName = program.buffers[inPlace].name
    let longLived = try XCTUnwrap(program.buffers.firstIndex {
      $0.kind == .activation && $0.inPlaceOf == nil && ($0.live.map { $0.last > $0.first } ?? false)
    })
    let longName = program.buffers[longLived].name
    // An in-place buffer moved by 64 bytes: it overlaps its source without sharing it exactly.
    try expect([.inPlace, .overlap], naming: inPlaceName) { $0.buffers[inPlace].offset? += 64 }
    // Two buffers live in the same kernel (the input and the first conv's output) made to share bytes.
    let input = try position("input")
    let first = try position("conv_blocks_context.0.0.conv1")
    try expect([.overlap], naming: "conv_blocks_context.0.0.conv1") { $0.buffers[first].offset = $0.buffers[input].offset }
    try expect([.misaligned], naming: longName) { $0.buffers[longLived].offset? += 4 }
    try expect([.missingOffset], naming: longName) { $0.buffers[longLived].offset = nil }
    try expect([.interval], naming: longName) { program in
      let live = program.buffers[longLived].live ?? LiveInterval(0, 0)
      program.buffers[longLived].live = LiveInterval(live.first, live.first)
    }
  }

  /// The dead deep-supervision heads kept as kernels whose outputs nobody reads: still checked,
  /// still bit-identical between arena and separate allocations.
  func testDeadHeadsKeptAsUnreadOutputsPlanSafely() throws {
    let graph = try STUNet(TestModels.tiny).graph(inputShape: TestModels.tinyInput).graph
    var program = try Lowering.lower(graph, target: .avx2, options: LoweringOptions(eliminateDeadKernels: false))
    try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    let weights = TestModels.randomWeights(for: graph, seed: 5)
    let input = TestModels.randomInput(TestModels.tinyInput, seed: 6)
    let interpreter = try KernelInterpreter(program: program, weights: weights)
    let planned = try interpreter.run(inputs: ["input": input], memory: .arena)
    let separate = try interpreter.run(inputs: ["input": input], memory: .separateAllocations)
    XCTAssertEqual(planned["seg_outputs.4"]?.data.map(\.bitPattern), separate["seg_outputs.4"]?.data.map(\.bitPattern))
  }
}
