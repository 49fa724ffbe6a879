import DSL
import GraphIR
import KernelIR
import XCTest

final class LoweringSmokeTests: XCTestCase {
  func testSmallLowersAndPrints() throws {
    let graph = try STUNet(.small).graph(inputShape: [1, 1, 128, 128, 128]).graph
    let program = try Lowering.lower(graph, target: .avx2)
    let text = KernelPrinter.print(program)
    try text.write(toFile: "/tmp/kir_s.kir", atomically: true, encoding: .utf8)
    let parsed = try KernelParser.parse(text)
    XCTAssertEqual(parsed, program)
    XCTAssertEqual(KernelPrinter.print(parsed), text)
  }
}
