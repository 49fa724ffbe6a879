// The general layer vocabulary of Docs/dsl.md: scoped names, inferred shapes, early errors.
import DSL
import GraphIR
import XCTest

final class GraphBuilderTests: XCTestCase {
  func testScopedBlockFromTheDocs() throws {
    let builder = GraphBuilder(name: "block")
    let x = builder.input("input", TensorType(.f32, [1, 4, 32, 32, 32]))
    let y = try builder.scope("stem") {
      let c = try builder.conv3d(x, outChannels: 8, kernel: [3, 3, 3], name: "conv")
      return try builder.leakyRelu(try builder.instanceNorm(c, name: "norm"), name: "act")
    }
    builder.output(y)
    let graph = builder.graph
    try Verifier.verify(graph)
    XCTAssertEqual(
      graph.parameters.map(\.name), ["stem.conv.weight", "stem.conv.bias", "stem.norm.weight", "stem.norm.bias"])
    XCTAssertEqual(y.shape, [1, 8, 32, 32, 32])
    XCTAssertEqual(graph.outputs, ["stem.act"])
  }

  func testAWeightOfTheWrongShapeThrowsAtOnce() throws {
    let builder = GraphBuilder(name: "bad")
    let x = builder.input("input", TensorType(.f32, [1, 4, 8, 8, 8]))
    _ = try builder.parameter("w", TensorType(.f32, [2, 3, 3, 3, 3]))
    XCTAssertThrowsError(try builder.apply(.conv3d, [.value(x.name), .parameter("w")],
      attributes: ["stride": .ints([1, 1, 1]), "padding": .ints([1, 1, 1, 1, 1, 1])], name: "c")) { error in
      XCTAssertTrue("\(error)".contains("conv3d %c"), "\(error)")
    }
  }

  func testStridedConvolutionSizesFollowTheFloorRule() throws {
    let builder = GraphBuilder(name: "strided")
    for (size, expected) in [(1, 1), (5, 3), (6, 3), (7, 4)] {
      let x = builder.input("x\(size)", TensorType(.f32, [1, 1, size, size, size]))
      let y = try builder.conv3d(x, outChannels: 1, kernel: [3, 3, 3], stride: [2, 2, 2], name: "c\(size)")
      XCTAssertEqual(y.shape, [1, 1, expected, expected, expected])
    }
  }
}
