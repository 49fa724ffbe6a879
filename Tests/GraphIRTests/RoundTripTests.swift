// print -> parse -> print is identical, and parse(print(g)) == g, for every preset and custom graphs.
import DSL
import GraphIR
import XCTest

final class RoundTripTests: XCTestCase {
  static let tiny = STUNetConfiguration(
    widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)
  static let custom = STUNetConfiguration(
    widths: [8, 16, 32, 64, 96, 96], depths: [1, 2, 1, 2, 1, 1], strides: Array(repeating: [2, 2, 2], count: 5),
    numClasses: 14)

  func assertRoundTrip(_ graph: Graph, file: StaticString = #filePath, line: UInt = #line) throws {
    let text = Printer.print(graph)
    let parsed = try Parser.parse(text)
    XCTAssertEqual(parsed, graph, file: file, line: line)
    XCTAssertEqual(Printer.print(parsed), text, file: file, line: line)
    try Verifier.verify(parsed)
  }

  func testPresetsRoundTrip() throws {
    for (_, configuration) in STUNetConfiguration.presets {
      try assertRoundTrip(try STUNet(configuration).graph(inputShape: [1, 1, 128, 128, 128]).graph)
    }
  }

  func testTinyGoldenAndCustomVariantsRoundTrip() throws {
    try assertRoundTrip(try STUNet(Self.tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph)
    try assertRoundTrip(try STUNet(Self.custom).graph(inputShape: [2, 1, 32, 32, 32], deepSupervision: true).graph)
  }

  func testAttributesOfEveryFormRoundTrip() throws {
    let text = """
      graph @attributes {
        input %x : f32[1,2,4,4,4]
        %y = leaky_relu(%x) {note = "a \\"quoted\\" text", slope = 1e-05, unused = true} : f32[1,2,4,4,4]
        %z = softmax(%y) {axis = 1} : f32[1,2,4,4,4]
        %l = argmax(%z) {axis = 1} : i64[1,4,4,4]
        output %l, %z
      }

      """
    let graph = try Parser.parse(text)
    XCTAssertEqual(Printer.print(graph), text)
    XCTAssertEqual(graph.nodes[0].attributes["slope"], .float(1e-5))
    try Verifier.verify(graph)
  }

  func testParseErrorsGiveLineAndColumn() {
    XCTAssertThrowsError(try Parser.parse("graph @g {\n  input %x : q32[1]\n}")) { error in
      XCTAssertEqual("\(error)".hasPrefix("line 2, column"), true, "\(error)")
      XCTAssertTrue("\(error)".contains("q32"), "\(error)")
    }
    XCTAssertThrowsError(try Parser.parse("graph @g {\n  input %x : f32[1]\n")) { error in
      XCTAssertTrue("\(error)".contains("missing '}'"), "\(error)")
    }
  }
}
