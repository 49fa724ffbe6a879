// The interpreter-backed TilePredictor of `stunetc segment`: the logits it streams in row slabs
// (final 1x1x1 head split off the optimised graph) are the whole-tile logits bit for bit, and
// those match the unoptimised graph on the reference interpreter within the passes' tolerance.
import DSL
import Driver
import GraphIR
import Interpreter
import Segmentation
import TensorCore
import XCTest

final class SegmentPredictorTests: XCTestCase {
  let configuration = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [1, 2, 1, 1, 1, 1], numClasses: 5)

  func makeTile(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.symmetric() * 2 })
  }

  func testRowSlabsEqualWholeTileAndMatchTheUnoptimisedGraph() throws {
    let shape = [1, 1, 32, 32, 64]
    let graph = try STUNet(configuration).graph(inputShape: shape).graph
    let weights = RandomWeights.generate(for: graph, seed: 5)
    let (predictor, notes) = try SegmentBackend.interpreter.makePredictor(graph: graph, parameters: weights)
    XCTAssertEqual(predictor.classes, 5)
    XCTAssertTrue(notes.joined().contains("row slabs"), notes.joined())
    let tile = makeTile(shape, seed: 9)
    let whole = try predictor.predict(tile)
    XCTAssertEqual(whole.shape, [1, 5, 32, 32, 64])

    var streamed = [Float](repeating: .nan, count: whole.count)
    var covered: [Range<Int>] = []
    try predictor.predictRowSlabs(tile, maximumRows: 7) { slab, rows in
      XCTAssertEqual(slab.shape, [5, rows.count, 32, 64])
      covered.append(rows)
      let plane = 32 * 64
      for channel in 0..<5 {
        for (offset, row) in rows.enumerated() {
          for index in 0..<plane {
            streamed[(channel * 32 + row) * plane + index] = slab.data[(channel * rows.count + offset) * plane + index]
          }
        }
      }
    }
    XCTAssertEqual(covered, [0..<7, 7..<14, 14..<21, 21..<28, 28..<32])
    XCTAssertEqual(streamed.map(\.bitPattern), whole.data.map(\.bitPattern), "slabs are the whole tile's logits bit for bit")

    let reference = try GraphInterpreter(graph: graph, parameters: weights).run(inputs: ["input": tile])
    let expected = try XCTUnwrap(reference[graph.outputs[0]])
    let report = TensorComparison.compare(whole, expected)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "optimised vs unoptimised: \(report)")
  }

  func testBackendsNameMissingWeightsAndUnknownBackendsAreRefused() throws {
    let graph = try STUNet(configuration).graph(inputShape: [1, 1, 32, 32, 32]).graph
    for backend in SegmentBackend.allCases {
      XCTAssertThrowsError(try backend.makePredictor(graph: graph, parameters: [:])) { error in
        XCTAssertTrue("\(error)".contains("conv_blocks_context.0.0.conv1.weight"), "\(backend): \(error)")
      }
    }
    XCTAssertThrowsError(try SegmentBackend.named("cuda")) { error in
      XCTAssertTrue("\(error)".contains("jit|interpreter"), "\(error)")
    }
  }

  func testJITPredictorRunsEveryKernelNativelyAndItsSlabsMatchTheInterpreter() throws {
    let graph = try STUNet(configuration).graph(inputShape: [1, 1, 32, 32, 32]).graph
    let weights = RandomWeights.generate(for: graph, seed: 4)
    var generator = SeededGenerator(seed: 9)
    let tile = Tensor(shape: [1, 1, 32, 32, 32], data: (0..<(32 * 32 * 32)).map { _ in Float.random(in: -1...1, using: &generator) })
    let jit = try SegmentBackend.jit.makePredictor(graph: graph, parameters: weights, threads: 2)
    let interpreter = try SegmentBackend.interpreter.makePredictor(graph: graph, parameters: weights)
    let jitPredictor = try XCTUnwrap(jit.predictor as? SegmentTilePredictor)
    XCTAssertEqual(jitPredictor.interpretedKernels, [], "every kernel of the body has a JIT lowering")
    XCTAssertFalse(jit.notes.contains { $0.contains("interpreter (slower)") }, "\(jit.notes)")
    var slabs: [[Tensor]] = [[], []]
    for (index, predictor) in [jit.predictor, interpreter.predictor].enumerated() {
      for _ in 0..<2 {  // twice: the reused buffers must give the same slabs again
        var run: [Tensor] = []
        try predictor.predictRowSlabs(tile, maximumRows: 12) { slab, _ in run.append(slab) }
        if !slabs[index].isEmpty {
          XCTAssertEqual(run.map { $0.data.map(\.bitPattern) }, slabs[index].map { $0.data.map(\.bitPattern) })
        }
        slabs[index] = run
      }
    }
    XCTAssertEqual(slabs[0].map(\.shape), [[5, 12, 32, 32], [5, 12, 32, 32], [5, 8, 32, 32]])
    for (native, reference) in zip(slabs[0], slabs[1]) {
      XCTAssertLessThanOrEqual(TensorComparison.compare(native, reference).maxRelativeToScale, 1e-4)
    }
  }
}
