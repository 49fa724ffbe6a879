// Absurd sizes are errors, never traps or wrong numbers: shape inference checks its arithmetic and
// the 2^48-byte limit per tensor (through the parser + verifier and through the builder), graph
// inputs and parameters are checked too, statistics of unverified graphs saturate instead of
// overflowing, and the lexer reports out-of-range integers and invisible characters plainly.
import DSL
import GraphIR
import XCTest

final class SizeLimitTests: XCTestCase {
  private func verifying(_ text: String) throws {
    try Verifier.verify(try Parser.parse(text))
  }

  private func assertError(
    _ kind: GraphError.Kind, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
  ) {
    do {
      try body()
      XCTFail("accepted", file: file, line: line)
    } catch let error as GraphError {
      XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
      for fragment in fragments {
        XCTAssertTrue("\(error)".contains(fragment), "'\(fragment)' missing in: \(error)", file: file, line: line)
      }
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
    }
  }

  func testOverflowingAttributesAreReportedAtTheOp() {
    assertError(.size, mentions: ["upsample_nearest %u", "overflows 64 bits"]) {
      try verifying(
        """
        graph @g {
          input %x : f32[1,1,2,2,2]
          %u = upsample_nearest(%x) {scale = [4611686018427387904,4,4]} : f32[1,1,2,8,8]
          output %u
        }
        """)
    }
    assertError(.size, mentions: ["conv3d %c", "padded input", "overflows 64 bits"]) {
      try verifying(
        """
        graph @g {
          input %x : f32[1,1,2,2,2]
          param @w : f32[1,1,1,1,1]
          %c = conv3d(%x, @w) {padding = [9223372036854775807,1,1,1,1,1], stride = [1,1,1]} : f32[1,1,2,2,2]
          output %c
        }
        """)
    }
    assertError(.attribute, mentions: ["fused_conv3d %c", "'inputs' = 9223372036854775807 out of range"]) {
      try verifying(
        """
        graph @g {
          input %x : f32[1,1,2,2,2]
          param @w : f32[1,1,1,1,1]
          %c = fused_conv3d(%x, @w) {has_bias = false, has_residual = false, inputs = 9223372036854775807, padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,1,2,2,2]
          output %c
        }
        """)
    }
    // Large but representable results above the limit.
    assertError(.size, mentions: ["upsample_nearest %u", "over the limit of 2^48 bytes"]) {
      try verifying(
        """
        graph @g {
          input %x : f32[1,1,1024,1024,1024]
          %u = upsample_nearest(%x) {scale = [64,64,64]} : f32[1,1,65536,65536,65536]
          output %u
        }
        """)
    }
    assertError(.size, mentions: ["concat %c", "over the limit of 2^48 bytes"]) {
      try verifying(
        """
        graph @g {
          input %a : f32[1,35184372088832]
          %c = concat(%a, %a, %a) {axis = 1} : f32[1,105553116266496]
          output %c
        }
        """)
    }
  }

  func testInputsAndParametersAreCheckedEvenWhenUnused() {
    assertError(.size, mentions: ["input %x", "element count of f32[1,1,4611686018427387904,32,32] overflows"]) {
      try verifying("graph @g {\n  input %x : f32[1,1,4611686018427387904,32,32]\n  input %y : f32[1]\n  output %y\n}\n")
    }
    assertError(.size, mentions: ["param @w", "over the limit"]) {
      try verifying("graph @g {\n  input %y : f32[1]\n  param @w : f32[65536,65536,65536]\n  output %y\n}\n")
    }
    // The limit itself is allowed: 2^46 floats are exactly 2^48 bytes.
    XCTAssertNoThrow(try verifying("graph @g {\n  input %y : f32[70368744177664]\n  output %y\n}\n"))
    assertError(.size, mentions: ["input %y"]) {
      try verifying("graph @g {\n  input %y : f32[70368744177665]\n  output %y\n}\n")
    }
    XCTAssertEqual(TensorType.maxByteCount, 1 << 48)
  }

  func testBuilderRejectsHugeInputShapes() {
    for shape in [[1, 1, 65536, 65536, 65536], [1, 1, 4_611_686_018_427_387_904, 32, 32], [1, 1, 262144, 262144, 262144]] {
      for configuration in [STUNetConfiguration.small, .huge] {
        assertError(.size, mentions: ["conv3d %conv_blocks_context.0.0.conv1", "use a smaller shape"]) {
          _ = try STUNet(configuration).graph(inputShape: shape)
        }
      }
    }
    let builder = GraphBuilder(name: "g")
    assertError(.size, mentions: ["param @w", "overflows"]) {
      _ = try builder.parameter("w", TensorType(.f32, [Int.max, 2]))
    }
  }

  func testStatisticsOfUnverifiedGraphsSaturate() {
    let huge = TensorType(.f32, [1, 1, 4_611_686_018_427_387_904, 32, 32])
    let weight = TensorType(.f32, [16, 1, 3, 3, 3])
    let graph = Graph(
      name: "g", inputs: [GraphInput(name: "x", type: huge)], parameters: [Parameter(name: "w", type: weight)],
      nodes: [
        Node(
          .conv3d, operands: [.value("x"), .parameter("w")],
          attributes: ["stride": .ints([1, 1, 1]), "padding": .ints([1, 1, 1, 1, 1, 1])], result: "c",
          type: TensorType(.f32, [1, 16, 4_611_686_018_427_387_904, 32, 32])),
        Node(.leakyRelu, operands: [.value("c")], result: "a", type: TensorType(.f32, [1 << 40, 1 << 30])),
      ], outputs: ["a"])
    let statistics = GraphStatistics(graph)
    XCTAssertEqual(statistics.ops.first?.macs, Int.max, "an overflowing cost is not 0")
    XCTAssertEqual(statistics.totalMACs, Int.max)
    XCTAssertEqual(statistics.activationBytes, Int.max)
    XCTAssertEqual(statistics.largestActivationBytes, Int.max)
    XCTAssertEqual(statistics.parameterCount, 16 * 27)
    XCTAssertTrue(statistics.saturated)
  }

  func testSaturatingTallyIsExactBelowAndAboveIntMax() {
    var tally = ByteTally()
    tally.add(Int.max)
    tally.add(Int.max)
    tally.add(5)
    XCTAssertTrue(tally.exceedsInt)
    XCTAssertEqual(tally.value, Int.max)
    tally.remove(Int.max)
    tally.remove(Int.max)
    XCTAssertEqual(tally.value, 5, "what was added comes back out exactly")
    XCTAssertEqual(SaturatingSize.add(Int.max, 1), Int.max)
    XCTAssertEqual(SaturatingSize.multiply(1 << 40, 1 << 40), Int.max)
    XCTAssertEqual(SaturatingSize.subtract(Int.min, 1), Int.min)
    XCTAssertEqual(SaturatingSize.sum([1, 2, Int.max]), Int.max)
  }

  func testLexerReportsOutOfRangeIntegersAndInvisibleCharacters() {
    assertError(.parse, mentions: ["line 2, column 20", "integer literal 99999999999999999999 out of range"]) {
      _ = try Parser.parse("graph @g {\n  input %x : f32[1,99999999999999999999]\n}\n")
    }
    assertError(.parse, mentions: ["integer literal -99999999999999999999 out of range"]) {
      _ = try Parser.parse("graph @g {\n  input %x : f32[1,1]\n  %y = leaky_relu(%x) {slope = -99999999999999999999} : f32[1,1]\n}\n")
    }
    assertError(.parse, mentions: ["line 2, column 22", "unexpected character U+0000"]) {
      _ = try Parser.parse("graph @g {\n  input %x : f32[1,1]\u{0}\n}\n")
    }
    assertError(.parse, mentions: ["unexpected character U+0007"]) { _ = try Parser.parse("graph @g {\u{7}}") }
    assertError(.parse, mentions: ["unexpected character U+200B"]) { _ = try Parser.parse("graph @g {\u{200B}}") }
    assertError(.parse, mentions: ["unexpected character '$'"]) { _ = try Parser.parse("graph @g {$}") }
    // Large floats stay floats.
    XCTAssertNoThrow(try Parser.parse("graph @g {\n  input %x : f32[1,1]\n  %y = leaky_relu(%x) {slope = 1e+20} : f32[1,1]\n  output %y\n}\n"))
  }
}
