// Text-in/text-out tests of every pass: for each IR/passes/<pass>/<case>.input.ir the pass's
// printed output must equal <case>.expected.ir. A missing or stale expected file fails with a
// line diff. To regenerate after an intended change, run the tests with
// STUNETC_UPDATE_PASS_TESTS=1 and review the changed files with `git diff IR/passes`.
import Foundation
import GraphIR
import Passes
import XCTest

final class PassTextTests: XCTestCase {
  var updating: Bool { ProcessInfo.processInfo.environment["STUNETC_UPDATE_PASS_TESTS"] == "1" }

  func testEveryRegisteredPassHasTextCases() throws {
    let folders = Set(try PassTextCase.all().map(\.folder))
    for name in PassRegistry.names {
      XCTAssertTrue(folders.contains(name), "pass '\(name)' has no cases under IR/passes/\(name)/")
    }
    for folder in folders where folder != "pipeline" {
      XCTAssertTrue(PassRegistry.names.contains(folder), "IR/passes/\(folder) names no registered pass")
    }
  }

  func testEveryCaseProducesItsExpectedText() throws {
    let cases = try PassTextCase.all()
    XCTAssertFalse(cases.isEmpty, "no cases found under \(PassTextCase.root.path)")
    for testCase in cases {
      let actual: String
      do {
        actual = Printer.print(try testCase.run().output)
      } catch {
        XCTFail("\(testCase.label): \(error)")
        continue
      }
      if updating {
        try actual.write(to: testCase.expected, atomically: true, encoding: .utf8)
        continue
      }
      guard let expected = try? String(contentsOf: testCase.expected, encoding: .utf8) else {
        XCTFail(
          "\(testCase.label): missing \(testCase.expected.lastPathComponent); the pass printed:\n\(actual)\n"
            + "(create it with STUNETC_UPDATE_PASS_TESTS=1 and review it)")
        continue
      }
      if expected != actual {
        XCTFail(
          "\(testCase.label): output differs from \(testCase.expected.lastPathComponent) (- expected, + actual):\n"
            + TextDiff.describe(expected: expected, actual: actual))
      }
    }
  }

  func testExpectedFilesAreVerifiedFixedPointsOfTheirOwnRoundTrip() throws {
    for testCase in try PassTextCase.all() {
      guard let text = try? String(contentsOf: testCase.expected, encoding: .utf8) else { continue }
      let graph = try Parser.parse(text)
      XCTAssertNoThrow(try Verifier.verify(graph), testCase.label)
      XCTAssertEqual(Printer.print(graph), text, "\(testCase.label): expected file is not in printer form")
    }
  }

  func testTheDiffShowsChangedLines() {
    let diff = TextDiff.describe(expected: "a\nb\nc\n", actual: "a\nB\nc\n")
    XCTAssertTrue(diff.contains("- b"), diff)
    XCTAssertTrue(diff.contains("+ B"), diff)
  }
}
