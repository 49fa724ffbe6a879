// Every standard scalar datatype, both byte orders, both header versions, and the scl_slope /
// scl_inter rules, on tiny synthetic files whose bytes are built independently in the test.
import Foundation
import NIfTI
import TensorCore
import XCTest

final class DatatypeTests: XCTestCase {
  /// (code, bytes per voxel, stored words, expected floats) for 4×3×2 voxels.
  func samples() -> [(Int, Int, [UInt64], [Float])] {
    let small: [Int] = [0, 1, 2, 3, 4, 5, 100, 120, 127, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    let signed: [Int] = small.enumerated().map { $0.offset % 2 == 0 ? -$0.element : $0.element }
    func twos(_ value: Int, _ bits: Int) -> UInt64 { UInt64(bitPattern: Int64(value)) & (bits == 64 ? ~0 : (1 << UInt64(bits)) - 1) }
    let reals: [Double] = small.map { Double($0) * 0.25 - 3.5 }
    return [
      (2, 1, small.map { UInt64($0 + 128) }, small.map { Float($0 + 128) }),
      (256, 1, signed.map { twos($0, 8) }, signed.map(Float.init)),
      (4, 2, signed.map { twos($0 * 250, 16) }, signed.map { Float($0 * 250) }),
      (512, 2, small.map { UInt64($0 * 500) }, small.map { Float($0 * 500) }),
      (8, 4, signed.map { twos($0 * 100_000, 32) }, signed.map { Float($0 * 100_000) }),
      (768, 4, small.map { UInt64($0) * 30_000_000 }, small.map { Float(UInt64($0) * 30_000_000) }),
      (1024, 8, signed.map { twos($0 * 1_000_000, 64) }, signed.map { Float($0 * 1_000_000) }),
      (1280, 8, small.map { UInt64($0) * 1_000_000_007 }, small.map { Float(Double(UInt64($0) * 1_000_000_007)) }),
      (16, 4, reals.map { UInt64(Float($0).bitPattern) }, reals.map(Float.init)),
      (64, 8, reals.map { $0.bitPattern }, reals.map(Float.init)),
    ]
  }

  func testEveryDatatypeInBothByteOrdersAndVersions() throws {
    for (code, width, words, expected) in samples() {
      for version in [1, 2] {
        for bigEndian in [false, true] {
          var file = SyntheticNIfTI()
          file.version = version
          file.bigEndian = bigEndian
          file.datatype = code
          file.bitpix = width * 8
          file.data = file.words(words, width: width)
          let context = "code \(code), NIfTI-\(version), \(bigEndian ? "big" : "little")-endian"
          let image = try NIfTIReader.decode(file.bytes(), path: "t.nii")
          XCTAssertEqual(image.header.datatype.rawValue, code, context)
          XCTAssertEqual(image.header.byteOrder, bigEndian ? .big : .little, context)
          XCTAssertEqual(image.voxelsKJI.shape, [2, 3, 4], context)
          XCTAssertEqual(image.voxelsKJI.data, expected, context)
          XCTAssertEqual(image.spacingIJK, [1.5, 2, 3], context)
          XCTAssertEqual(image.affine, [[1.5, 0, 0, 10], [0, 2, 0, 20], [0, 0, 3, 30], [0, 0, 0, 1]], context)
          XCTAssertTrue(image.warnings.isEmpty, "\(context): \(image.warnings)")
        }
      }
    }
  }

  func testScalingRules() throws {
    let stored: [UInt64] = (0..<24).map { UInt64($0) }
    let cases: [(Double, Double, [Float])] = [
      (2, 3, (0..<24).map { Float($0 * 2 + 3) }),
      (0, 500, (0..<24).map { Float($0) }),  // slope 0: no scaling at all
      (.nan, 500, (0..<24).map { Float($0) }),
      (.infinity, 1, (0..<24).map { Float($0) }),
      (1, -1024, (0..<24).map { Float($0 - 1024) }),
      (0.5, .nan, (0..<24).map { Float($0) * 0.5 }),  // non-finite intercept counts as 0
    ]
    for version in [1, 2] {
      for (slope, intercept, expected) in cases {
        var file = SyntheticNIfTI()
        file.version = version
        file.datatype = 512
        file.sclSlope = slope
        file.sclInter = intercept
        file.data = file.words(stored, width: 2)
        let image = try NIfTIReader.decode(file.bytes(), path: "t.nii")
        XCTAssertEqual(image.voxelsKJI.data, expected, "NIfTI-\(version) slope \(slope) inter \(intercept)")
      }
      // A slope that float32 cannot hold exactly: applied in float64 to the value as stored, rounded once.
      var file = SyntheticNIfTI()
      file.version = version
      file.datatype = 512
      file.sclSlope = 0.1
      file.data = file.words(stored, width: 2)
      let storedSlope = version == 1 ? Double(Float(0.1)) : 0.1
      let image = try NIfTIReader.decode(file.bytes(), path: "t.nii")
      XCTAssertEqual(image.voxelsKJI.data, (0..<24).map { Float(Double($0) * storedSlope) })
    }
  }

  func testExtensionsAreSkippedViaVoxOffset() throws {
    var file = SyntheticNIfTI()
    // Extension flag 1, then one 32-byte extension (esize 32, ecode 6) full of junk.
    file.extensionBytes = [1, 0, 0, 0, 32, 0, 0, 0, 6, 0, 0, 0] + [UInt8](repeating: 0xEE, count: 24)
    file.data = file.words((0..<24).map { UInt64($0) }, width: 2)
    let image = try NIfTIReader.decode(file.bytes(), path: "t.nii")
    XCTAssertEqual(image.header.voxOffset, 384)
    XCTAssertEqual(image.voxelsKJI.data, (0..<24).map(Float.init))
  }

  func testMultiMemberGzipOfManyMembers() throws {
    var file = SyntheticNIfTI()
    file.data = file.words((0..<24).map { UInt64($0 * 3) }, width: 2)
    let bytes = file.bytes()
    // Header split across members, an empty member in the middle, data in three pieces.
    let pieces = [0..<100, 100..<352, 352..<352, 352..<370, 370..<390, 390..<400]
    let gzip = pieces.flatMap { StoredGzip.member(Array(bytes[$0])) }
    let image = try NIfTIReader.decode(gzip, path: "t.nii.gz")
    XCTAssertEqual(image.voxelsKJI.data, (0..<24).map { Float($0 * 3) })
    // Trailing zero padding after the last member is ignored, as gzip does.
    XCTAssertEqual(try NIfTIReader.decode(gzip + [0, 0, 0, 0], path: "t.nii.gz").voxelsKJI.data, image.voxelsKJI.data)
  }

  func testTwoDimensionalImageIsOneSliceThick() throws {
    var file = SyntheticNIfTI()
    file.dim = [2, 4, 3, 0, 0, 0, 0, 0]  // unused dims and pixdims may hold anything
    file.pixdim[3] = 0
    file.data = file.words((0..<12).map { UInt64($0) }, width: 2)
    let image = try NIfTIReader.decode(file.bytes(), path: "t.nii")
    XCTAssertEqual(image.shapeIJK, [4, 3, 1])
    XCTAssertEqual(image.spacingIJK, [1.5, 2, 1])
    XCTAssertEqual(image.voxelsKJI.shape, [1, 3, 4])
  }

  func testQformAndPixdimFallbacks() throws {
    var file = SyntheticNIfTI()
    file.data = file.words((0..<24).map { UInt64($0) }, width: 2)
    file.sformCode = 0
    file.qformCode = 1
    // 90° about z: quaternion (a, b, c, d) = (cos 45°, 0, 0, sin 45°); qfac -1 flips k.
    file.quaternion = [0, 0, 0.5.squareRoot(), 5, 6, 7]
    file.pixdim[0] = -1
    let qform = try NIfTIReader.decode(file.bytes(), path: "q.nii")
    XCTAssertEqual(qform.geometrySource, .qform)
    assertAffinesEqual(qform.affine, [[0, -2, 0, 5], [1.5, 0, 0, 6], [0, 0, -3, 7], [0, 0, 0, 1]], tolerance: 1e-6)
    file.qformCode = 0
    let plain = try NIfTIReader.decode(file.bytes(), path: "p.nii")
    XCTAssertEqual(plain.geometrySource, .pixdim)
    XCTAssertEqual(plain.affine, [[1.5, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]])
  }

  func testNegativePixdimIsWarnedAndUsedAsMagnitude() throws {
    var file = SyntheticNIfTI()
    file.pixdim[1] = -1.5
    file.data = file.words((0..<24).map { UInt64($0) }, width: 2)
    let image = try NIfTIReader.decode(file.bytes(), path: "neg.nii")
    XCTAssertEqual(image.spacingIJK, [1.5, 2, 3])
    XCTAssertEqual(image.warnings.count, 1)
    XCTAssertTrue(image.warnings[0].contains("negative"), image.warnings[0])
  }
}
