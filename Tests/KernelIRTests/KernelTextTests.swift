// The Kernel IR text format: print -> parse -> print is identical (and parse(print(p)) == p) for
// lowered programs and the hand-written files under IR/kernels/valid; every file under
// IR/kernels/invalid fails to parse or verify with the message its first line expects.
import DSL
import GraphIR
import KernelIR
import XCTest

final class KernelTextTests: XCTestCase {
  func assertRoundTrip(_ program: KernelProgram, file: StaticString = #filePath, line: UInt = #line) throws {
    let text = KernelPrinter.print(program)
    let parsed = try KernelParser.parse(text)
    XCTAssertEqual(parsed, program, file: file, line: line)
    XCTAssertEqual(KernelPrinter.print(parsed), text, file: file, line: line)
    try KernelVerifier.verify(parsed)
  }

  func testLoweredProgramsRoundTrip() throws {
    let tiny = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)
    try assertRoundTrip(try Lowering.lower(try STUNet(tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph, target: .avx2))
    try assertRoundTrip(try Lowering.lower(try STUNet(.huge).graph(inputShape: [1, 1, 128, 128, 128]).graph, target: .avx2))
    try assertRoundTrip(try Lowering.lower(try EveryOpGraph.build(), target: .avx2))
    try assertRoundTrip(try Lowering.lower(try EveryOpGraph.build(), target: .scalar))
  }

  func testValidFilesVerifyAndPrintIdentically() throws {
    let files = try KernelTestSupport.files(in: "kernels/valid", extension: "kir")
    XCTAssertFalse(files.isEmpty)
    for url in files {
      let text = try String(contentsOf: url, encoding: .utf8)
      let program = try KernelParser.parse(text)
      try KernelVerifier.verify(program)
      try KernelTestSupport.assertMatchesFile(KernelPrinter.print(program), "kernels/valid/" + url.lastPathComponent)
    }
  }

  func testEveryOpKernelsFileIsCurrent() throws {
    let program = try Lowering.lower(try EveryOpGraph.build(), target: .avx2)
    try KernelTestSupport.assertMatchesFile(KernelPrinter.print(program), "kernels/valid/every_op.kir")
  }

  func testInvalidFilesFailWithTheExpectedMessage() throws {
    let files = try KernelTestSupport.files(in: "kernels/invalid", extension: "kir")
    XCTAssertGreaterThanOrEqual(files.count, 10)
    for url in files {
      let text = try String(contentsOf: url, encoding: .utf8)
      let firstLine = text.prefix { $0 != "\n" }
      guard firstLine.hasPrefix("// expect: ") else {
        XCTFail("\(url.lastPathComponent) must start with '// expect: <part of the error message>'")
        continue
      }
      let expected = String(firstLine.dropFirst("// expect: ".count))
      do {
        try KernelVerifier.verify(try KernelParser.parse(text))
        XCTFail("\(url.lastPathComponent) was accepted")
      } catch {
        XCTAssertTrue("\(error)".contains(expected), "\(url.lastPathComponent): \(error)")
      }
    }
  }

  func testParseErrorsGiveLineAndColumn() {
    XCTAssertThrowsError(try KernelParser.parse("kernels @p {\n  target {name = \"t\"}\n}")) { error in
      XCTAssertTrue("\(error)".contains("target needs 'vector_width'"), "\(error)")
    }
    let text = """
      kernels @p {
        target {alignment = 64, l1_bytes = 1, l2_bytes = 1, name = "t", threads = 1, vector_width = 8}
        buffer %x : f32[1,8] NCHW input {bytes = 32}
      }
      """
    XCTAssertThrowsError(try KernelParser.parse(text)) { error in
      XCTAssertTrue("\(error)".hasPrefix("line 3, column"), "\(error)")
      XCTAssertTrue("\(error)".contains("unknown layout 'NCHW'"), "\(error)")
    }
  }

  func testMemorySummaryEndsEveryDump() throws {
    let text = try String(contentsOf: KernelTestSupport.irFile("kernels/valid/handwritten.kir"), encoding: .utf8)
    let program = try KernelParser.parse(text)
    let summary = MemorySummary(program)
    // Most bytes live at once: %c/%n (one storage, in place) with %cat, at kernels 2 and 3.
    XCTAssertEqual(summary.lowerBoundBytes, 2048 + 4096)
    XCTAssertEqual(summary.arenaBytes, 7168)
    XCTAssertEqual(summary.naiveBytes, 768 + 2048 + 192 + 2048 + 4096 + 2048)
    let printed = KernelPrinter.print(program)
    XCTAssertTrue(printed.contains("//   arena:                7168 bytes (7.00 KiB)"), printed)
    XCTAssertTrue(printed.contains("//   efficiency:           0.8571 (lower bound / arena)"), printed)
    XCTAssertTrue(printed.hasSuffix("\n"))
    XCTAssertTrue(printed.components(separatedBy: "\n").last(where: { !$0.isEmpty })?.hasPrefix("//   peak at kernel") == true)
  }
}
