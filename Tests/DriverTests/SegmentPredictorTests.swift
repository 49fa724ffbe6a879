// The interpreter-backed TilePredictor of `stunetc segment`: the logits it streams in row slabs
// (final 1x1x1 head split off the optimised graph) are the whole-tile logits bit for bit, and
// those match the unoptimised graph on the reference interpreter within the passes' tolerance;
// the JIT backend names weights it lacks.
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

  func testJITBackendNamesMissingWeightsAndUnknownBackendsAreRefused() throws {
    let graph = try STUNet(configuration).graph(inputShape: [1, 1, 32, 32, 32]).graph
    XCTAssertThrowsError(try SegmentBackend.jit.makePredictor(graph: graph, parameters: [:])) { error in
      XCTAssertTrue("\(error)".contains("conv_blocks_context.0.0.conv1.weight"), "\(error)")
    }
    XCTAssertThrowsError(try SegmentBackend.named("cuda")) { error in
      XCTAssertTrue("\(error)".contains("unknown backend 'cuda': choose jit|interpreter"), "\(error)")
    }
  }
}
