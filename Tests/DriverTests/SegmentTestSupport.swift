// Shared pieces of the `stunetc segment` tests: a scratch folder, running the command with a
// recording console, the tiny custom variant with seeded random weights that keeps each run fast,
// case files in ../shared, and the header-geometry comparison (bytes for NIfTI-1, parsed fields
// for both versions).
import Driver
import Foundation
import NIfTI
import TensorCore
import XCTest

class SegmentTestCase: CommandTestCase {
  /// Widths 2..32, one block per stage, 3 classes, seeded random weights, 32^3 patch, on the
  /// reference interpreter (no JIT compilation per test; the JIT path has its own test).
  static let tinyModel = [
    "--widths", "2,4,8,16,32,32", "--depths", "1,1,1,1,1,1", "--classes", "3", "--random-weights", "1", "--patch", "32",
    "--threads", "2", "--progress", "lines", "--backend", "interpreter",
  ]

  /// The files in the scratch folder (to prove a failed run wrote nothing, temporaries included).
  func scratchContents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }

  func caseFile(_ name: String) throws -> URL {
    let root = SharedResources.packageRoot(fromTestFile: #filePath)
    guard let url = SharedResources.file("cases/files/\(name)", packageRoot: root) else {
      throw XCTSkip("needs ../shared/cases/files/\(name) (absent): skipped")
    }
    return url
  }

  func dataFile(_ name: String) throws -> URL {
    let root = SharedResources.packageRoot(fromTestFile: #filePath)
    guard let url = SharedResources.file("data/\(name)", packageRoot: root) else {
      throw XCTSkip("needs ../shared/data/\(name) (absent): skipped")
    }
    return url
  }

  /// Segments `input` with the tiny model; returns the output image and the command's texts.
  func segment(
    _ input: URL, extra: [String] = [], file: StaticString = #filePath, line: UInt = #line
  ) throws -> (image: NIfTIImage, output: String, errors: String) {
    let output = scratch(input.lastPathComponent.replacingOccurrences(of: ".nii", with: "_seg.nii"))
    let result = run(["segment", input.path, "-o", output.path] + Self.tinyModel + extra)
    XCTAssertEqual(result.status, 0, result.errors, file: file, line: line)
    let image = try NIfTIReader.read(output)
    return (image, result.output, result.errors)
  }
}

/// The fields that place an image in space, compared bit for bit.
func assertGeometryBitIdentical(
  _ output: NIfTIHeader, _ input: NIfTIHeader, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(output.version, input.version, "NIfTI version", file: file, line: line)
  XCTAssertEqual(Array(output.dim[1...]), Array(input.dim[1...]), "dim[1...]", file: file, line: line)
  XCTAssertEqual(output.pixdim.map(\.bitPattern), input.pixdim.map(\.bitPattern), "pixdim", file: file, line: line)
  XCTAssertEqual(output.xyztUnits, input.xyztUnits, "xyzt_units", file: file, line: line)
  XCTAssertEqual(output.qformCode, input.qformCode, "qform_code", file: file, line: line)
  XCTAssertEqual(output.sformCode, input.sformCode, "sform_code", file: file, line: line)
  XCTAssertEqual(output.quaternion.map(\.bitPattern), input.quaternion.map(\.bitPattern), "quatern_bcd", file: file, line: line)
  XCTAssertEqual(output.quaternOffset.map(\.bitPattern), input.quaternOffset.map(\.bitPattern), "qoffset", file: file, line: line)
  XCTAssertEqual(
    output.sformRows.flatMap { $0 }.map(\.bitPattern), input.sformRows.flatMap { $0 }.map(\.bitPattern), "srow",
    file: file, line: line)
  if input.version == .nifti1 {
    // NIfTI-1 byte ranges: dim[1...7], pixdim, xyzt_units, qform/sform codes, quatern/qoffset, srow.
    for (name, range) in [
      ("dim[1...7]", 42..<56), ("pixdim", 76..<108), ("xyzt_units", 123..<124), ("qform_code", 252..<254),
      ("sform_code", 254..<256), ("quatern_b..qoffset_z", 256..<280), ("srow_x..srow_z", 280..<328),
    ] {
      XCTAssertEqual(Array(output.rawBytes[range]), Array(input.rawBytes[range]), "bytes of \(name)", file: file, line: line)
    }
  }
  XCTAssertEqual(output.dim[0], 3, "written as a 3-D image", file: file, line: line)
  XCTAssertTrue(output.datatype == .uint8 || output.datatype == .uint16, "labels are unsigned integers", file: file, line: line)
  XCTAssertEqual(output.sclSlope, 1, "scl_slope", file: file, line: line)
  XCTAssertEqual(output.sclInter, 0, "scl_inter", file: file, line: line)
}
