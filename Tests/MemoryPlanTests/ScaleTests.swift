// Lowering and memory planning at the extremes: programs whose buffers are too large to sum are
// rejected with an error (never a trap), huge but representable ones plan exactly, graphs with
// overflowing shapes are stopped by the verifier before lowering, and long chains of kernels
// lower and plan in near-linear time with the same arena whatever their length.
import DSL
import Foundation
import GraphIR
import KernelIR
import MemoryPlan
import XCTest

final class ScaleTests: XCTestCase {
  /// x -> leaky_relu -> ... (`length` ops) -> output, as a graph.
  private func chain(_ length: Int, shape: [Int] = [1, 1, 2, 2, 2]) throws -> Graph {
    let builder = GraphBuilder(name: "chain")
    var value = builder.input("x", TensorType(.f32, shape))
    for index in 0..<length { value = try builder.leakyRelu(value, name: "v\(index)") }
    builder.output(value)
    return builder.graph
  }

  /// A lowered chain (plain layout) whose buffers are then made `elements` floats each.
  private func enlargedChain(_ length: Int, elements: [Int]) throws -> KernelProgram {
    var program = try Lowering.lower(try chain(length), target: .scalar)
    for index in program.buffers.indices where program.buffers[index].kind.ownsArenaStorage {
      let type = TensorType(.f32, elements)
      program.buffers[index].type = type
      program.buffers[index].byteCount = try XCTUnwrap(type.byteCount)
    }
    try KernelVerifier.verify(program)
    return program
  }

  func testBuffersTooLargeToSumAreRejected() throws {
    // Three buffers of 2^62 bytes: their sum does not fit in Int.
    var program = try enlargedChain(2, elements: [1, 1, 1 << 20, 1 << 20, 1 << 20])
    XCTAssertThrowsError(try MemoryPlanner.plan(&program)) { error in
      XCTAssertEqual((error as? PlanError)?.kind, .tooLarge, "\(error)")
      XCTAssertTrue("\(error)".contains("more than \(Int.max) bytes together"), "\(error)")
    }
  }

  func testHugeButRepresentableBuffersPlanExactly() throws {
    // Two buffers of 2^61 bytes, the output written in place over the input.
    var program = try enlargedChain(1, elements: [1, 1, 1 << 19, 1 << 20, 1 << 20])
    let report = try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    XCTAssertEqual(report.arenaBytes, 1 << 61)
    XCTAssertEqual(report.lowerBoundBytes, 1 << 61)
    XCTAssertEqual(report.naiveBytes, 1 << 62)
  }

  func testGraphsWithOverflowingShapesAreStoppedBeforeLowering() throws {
    let huge = TensorType(.f32, [1, 1, 4_611_686_018_427_387_904, 32, 32])
    let graph = Graph(
      name: "g", inputs: [GraphInput(name: "x", type: huge)],
      nodes: [Node(.leakyRelu, operands: [.value("x")], attributes: ["slope": .float(0.01)], result: "y", type: huge)],
      outputs: ["y"])
    XCTAssertThrowsError(try Lowering.lower(graph, target: .avx2)) { error in
      XCTAssertEqual((error as? GraphError)?.kind, .size, "\(error)")
      XCTAssertTrue("\(error)".hasPrefix("input %x: tensor too large"), "\(error)")
    }
    XCTAssertThrowsError(try STUNet(.huge).graph(inputShape: [1, 1, 131072, 131072, 131072])) { error in
      XCTAssertEqual((error as? GraphError)?.kind, .size, "\(error)")
    }
  }

  /// Lowering and planning time grow about linearly with the chain: 8x the kernels must not take
  /// anything near the 64x (quadratic) or 512x (cubic) of all-pairs scans. The arena is the same.
  func testLongChainsLowerAndPlanInNearLinearTime() throws {
    func measure(_ length: Int) throws -> (seconds: Double, arena: Int, kernels: Int) {
      let graph = try chain(length)
      var best = Double.infinity
      var arena = 0
      var kernels = 0
      for _ in 0..<(length < 1000 ? 3 : 1) {
        let start = Date()
        var program = try Lowering.lower(graph, target: .avx2)
        let report = try MemoryPlanner.plan(&program)
        best = min(best, Date().timeIntervalSince(start))
        arena = report.arenaBytes
        kernels = program.kernels.count
      }
      return (best, arena, kernels)
    }
    let short = try measure(300)
    let long = try measure(2400)
    XCTAssertEqual(short.kernels, 300)
    XCTAssertEqual(long.kernels, 2400)
    XCTAssertEqual(long.arena, short.arena, "a chain needs the same arena however long it is")
    let ratio = long.seconds / max(short.seconds, 1e-3)
    print("chain of 300 kernels: \(short.seconds) s, of 2400: \(long.seconds) s (ratio \(ratio))")
    XCTAssertLessThan(ratio, 24, "8x the kernels took \(ratio)x the time: lowering or planning is not near-linear")
  }
}
