// Helpers for the NIfTI tests: locating ../shared files (skipping when absent), scratch folders,
// and checking that a call throws the expected kind of NIfTIError.
import Foundation
import NIfTI
import TensorCore
import XCTest

enum SharedFiles {
  static let packageRoot = SharedResources.packageRoot(fromTestFile: #filePath)

  /// A file under ../shared/cases/files, or XCTSkip when the folder is absent.
  static func caseFile(_ name: String) throws -> URL {
    try file("cases/files/" + name)
  }

  /// A real scan under ../shared/data, or XCTSkip when the folder is absent.
  static func dataFile(_ name: String) throws -> URL {
    try file("data/" + name)
  }

  static func file(_ relative: String) throws -> URL {
    guard let url = SharedResources.file(relative, packageRoot: packageRoot) else {
      throw XCTSkip("needs ../shared/\(relative) (absent): skipped")
    }
    return url
  }

  /// The reference phantom c00, read once per call site (files are small).
  static func reference() throws -> NIfTIImage {
    try NIfTIReader.read(caseFile("c00_reference.nii.gz"))
  }
}

/// A fresh empty folder under the system's temporary directory, removed by the caller's teardown.
func makeScratchFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("nifti-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Names of the entries of a folder (including hidden ones).
func folderEntries(_ url: URL) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

/// Runs `body`, which must throw a NIfTIError accepted by `matches`; returns the error's message.
@discardableResult
func expectNIfTIError(
  _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line,
  _ matches: (NIfTIError) -> Bool
) -> String {
  do {
    try body()
    XCTFail("expected a NIfTIError, but the call succeeded", file: file, line: line)
  } catch let error as NIfTIError {
    XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
    XCTAssertFalse(error.description.isEmpty, file: file, line: line)
    return error.description
  } catch {
    XCTFail("expected a NIfTIError, got \(error)", file: file, line: line)
  }
  return ""
}

/// Asserts two affines are equal within `tolerance` element-wise.
func assertAffinesEqual(
  _ actual: [[Double]], _ expected: [[Double]], tolerance: Double, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, 4, file: file, line: line)
  for row in 0..<min(actual.count, expected.count) {
    for column in 0..<4 {
      XCTAssertEqual(
        actual[row][column], expected[row][column], accuracy: tolerance, "affine[\(row)][\(column)]", file: file,
        line: line)
    }
  }
}

/// Bitwise equality of two float arrays (NaN == NaN when bit patterns agree).
func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
