// The verifier rejects malformed graphs with a message naming the op and the problem.
import GraphIR
import XCTest

final class VerifierTests: XCTestCase {
  func assertRejected(
    _ body: String, kind: GraphError.Kind, mentions fragments: [String], file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let text = "graph @g {\n  input %x : f32[1,2,8,8,8]\n" + body + "\n}\n"
    do {
      let graph = try Parser.parse(text)
      try Verifier.verify(graph)
      XCTFail("accepted:\n\(text)", file: file, line: line)
    } catch let error as GraphError {
      XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
      for fragment in fragments {
        XCTAssertTrue("\(error)".contains(fragment), "'\(fragment)' missing in: \(error)", file: file, line: line)
      }
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
    }
  }

  func testParameterOfTheWrongShape() {
    assertRejected(
      """
        param @w : f32[4,3,3,3,3]
        %c = conv3d(%x, @w) {padding = [1,1,1,1,1,1], stride = [1,1,1]} : f32[1,4,8,8,8]
        output %c
      """, kind: .shape, mentions: ["conv3d %c", "input channels"])
  }

  func testUndefinedValue() {
    assertRejected(
      """
        %y = leaky_relu(%nowhere) {slope = 0.01} : f32[1,2,8,8,8]
        output %y
      """, kind: .undefinedValue, mentions: ["leaky_relu %y", "%nowhere"])
  }

  func testCycle() {
    assertRejected(
      """
        %a = add(%x, %b) : f32[1,2,8,8,8]
        %b = leaky_relu(%a) {slope = 0.01} : f32[1,2,8,8,8]
        output %b
      """, kind: .cycle, mentions: ["add %a", "%b"])
  }

  func testConcatOfMismatchedSpatialSizes() {
    assertRejected(
      """
        %u = upsample_nearest(%x) {scale = [2,2,2]} : f32[1,2,16,16,16]
        %c = concat(%u, %x) {axis = 1} : f32[1,4,16,16,16]
        output %c
      """, kind: .shape, mentions: ["concat %c", "axis 2 differs"])
  }

  func testUnknownOp() {
    assertRejected(
      """
        %y = gelu(%x) : f32[1,2,8,8,8]
        output %y
      """, kind: .unknownOp, mentions: ["gelu %y", "'gelu' is not an operation"])
  }

  func testAttributesOutOfRange() {
    assertRejected(
      """
        param @w : f32[2,2,3,3,3]
        %c = conv3d(%x, @w) {padding = [1,1,1,1,1,1], stride = [1,0,1]} : f32[1,2,8,8,8]
        output %c
      """, kind: .attribute, mentions: ["conv3d %c", "stride", "out of range"])
    assertRejected(
      """
        %n = instance_norm(%x) {eps = -1.0} : f32[1,2,8,8,8]
        output %n
      """, kind: .attribute, mentions: ["instance_norm %n", "eps"])
    assertRejected(
      """
        %s = softmax(%x) {axis = 7} : f32[1,2,8,8,8]
        output %s
      """, kind: .attribute, mentions: ["softmax %s", "axis", "out of range"])
  }

  func testMissingAttributeWrongResultTypeAndDuplicates() {
    assertRejected(
      """
        %y = leaky_relu(%x) : f32[1,2,8,8,8]
        output %y
      """, kind: .attribute, mentions: ["leaky_relu %y", "slope"])
    assertRejected(
      """
        %y = leaky_relu(%x) {slope = 0.01} : f32[1,2,8,8,4]
        output %y
      """, kind: .type, mentions: ["leaky_relu %y", "f32[1,2,8,8,8]"])
    assertRejected(
      """
        %y = leaky_relu(%x) {slope = 0.01} : f32[1,2,8,8,8]
        %y = leaky_relu(%x) {slope = 0.01} : f32[1,2,8,8,8]
        output %y
      """, kind: .duplicateDefinition, mentions: ["%y"])
    assertRejected(
      """
        %y = leaky_relu(%x) {slope = 0.01} : f32[1,2,8,8,8]
        output %z
      """, kind: .output, mentions: ["%z"])
  }

  func testUndeclaredParameter() {
    assertRejected(
      """
        %c = conv3d(%x, @missing) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,2,8,8,8]
        output %c
      """, kind: .undefinedParameter, mentions: ["conv3d %c", "@missing"])
  }
}
