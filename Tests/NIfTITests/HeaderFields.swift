// Byte ranges of the geometry fields in NIfTI-1 and NIfTI-2 headers (from the standards), used to
// check that outputs copy them bit for bit.
import NIfTI
import XCTest

enum HeaderFields {
  /// name → byte range, per version: dim, pixdim, xyzt_units, qform/sform codes, quatern_*, qoffset_*, srow_*.
  static func geometryRanges(_ version: NIfTIVersion) -> [(String, Range<Int>)] {
    switch version {
    case .nifti1:
      return [("dim[1...7]", 42..<56), ("pixdim", 76..<108), ("xyzt_units", 123..<124), ("qform_code+sform_code", 252..<256),
              ("quatern_b/c/d+qoffset_x/y/z", 256..<280), ("srow_x/y/z", 280..<328)]
    case .nifti2:
      return [("dim[1...7]", 24..<80), ("pixdim", 104..<168), ("qform_code+sform_code", 344..<352),
              ("quatern_b/c/d+qoffset_x/y/z", 352..<400), ("srow_x/y/z", 400..<496), ("xyzt_units", 500..<504)]
    }
  }

  static func assertGeometryBitIdentical(
    _ written: NIfTIHeader, _ input: NIfTIHeader, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(written.version, input.version, file: file, line: line)
    XCTAssertEqual(written.byteOrder, input.byteOrder, file: file, line: line)
    for (name, range) in geometryRanges(input.version) {
      XCTAssertEqual(Array(written.rawBytes[range]), Array(input.rawBytes[range]), "\(name) differs", file: file, line: line)
    }
    XCTAssertEqual(written.dim[1...3], input.dim[1...3], file: file, line: line)
  }
}
