// The NIfTI rows of ../shared/cases/CASES.md through the whole `stunetc segment` command (tiny
// variant, seeded random weights, 32^3 patch): the output's shape, header geometry copied bit for
// bit, and the pipeline facts each case names (non-finite count, separate-axis resampling, padding
// of thin volumes, odd sizes, constant images). The labels of random weights mean nothing; the
// assertions are about geometry, robustness and the report.
import Driver
import Foundation
import NIfTI
import TensorCore
import XCTest

final class SegmentCaseTests: SegmentTestCase {
  /// Segments a case file, checks the output shape (i, j, k) and the geometry fields.
  @discardableResult
  func segmentCase(
    _ name: String, shapeIJK: [Int], extra: [String] = [], file: StaticString = #filePath, line: UInt = #line
  ) throws -> (image: NIfTIImage, output: String, errors: String) {
    let input = try caseFile(name)
    let result = try segment(input, extra: extra, file: file, line: line)
    XCTAssertEqual(result.image.shapeIJK, shapeIJK, "output shape (i, j, k)", file: file, line: line)
    let original = try NIfTIReader.read(input)
    assertGeometryBitIdentical(result.image.header, original.header, file: file, line: line)
    XCTAssertEqual(result.image.affine, original.affine, "affine used for geometry", file: file, line: line)
    XCTAssertTrue(
      result.image.voxelsKJI.data.allSatisfy { $0.isFinite && $0 >= 0 && $0 < 3 && $0 == $0.rounded() },
      "labels are whole numbers of the model's 3 classes", file: file, line: line)
    return result
  }

  func testC01SformGeometryBothFormsCopiedAndTheMismatchIsReported() throws {
    let result = try segmentCase("c01_qform_sform_mismatch.nii.gz", shapeIJK: [48, 48, 24])
    XCTAssertTrue(result.errors.lowercased().contains("warning") && result.errors.contains("qform"), result.errors)
  }

  func testC05RotatedAffineComesBackUnchanged() throws {
    try segmentCase("c05_rotated_83deg_about_z.nii.gz", shapeIJK: [48, 48, 24])
  }

  func testC09ScaledUInt16InputGivesTheSameLabelsAsTheReference() throws {
    // scl_inter -1024 restores the reference's HU exactly, so the labels equal c00's.
    let shifted = try segmentCase("c09_uint16_scl_inter_minus1024.nii.gz", shapeIJK: [48, 48, 24])
    let reference = try segmentCase("c00_reference.nii.gz", shapeIJK: [48, 48, 24])
    XCTAssertEqual(shifted.image.voxelsKJI.data, reference.image.voxelsKJI.data)
  }

  func testC11SingletonFourthAxisIsSegmentedAsThreeD() throws {
    let result = try segmentCase("c11_4d_singleton.nii.gz", shapeIJK: [48, 48, 24])
    XCTAssertEqual(Array(result.image.header.dim[0...4]), [3, 48, 48, 24, 1])
  }

  func testC12AndC13AndC14ReadVariantsSegmentLikeTheReference() throws {
    let reference = try segmentCase("c00_reference.nii.gz", shapeIJK: [48, 48, 24])
    for name in [
      "c12a_named_gz_but_uncompressed.nii.gz", "c12c_gzip_multimember.nii.gz", "c13a_large_header_extension.nii.gz",
      "c14a_nifti2.nii.gz",
    ] {
      let result = try segmentCase(name, shapeIJK: [48, 48, 24])
      XCTAssertEqual(result.image.voxelsKJI.data, reference.image.voxelsKJI.data, name)
    }
  }

  func testC15NonFiniteVoxelsAreReplacedAndCountedInTheSummary() throws {
    let input = try caseFile("c15_nan_voxels.nii.gz")
    // manifest.json: 14593 NaN voxels (outside the reconstruction circle, plus one inside).
    XCTAssertEqual(try NIfTIReader.read(input).nonFiniteVoxelCount, 14593)
    let result = try segmentCase("c15_nan_voxels.nii.gz", shapeIJK: [48, 48, 24])
    XCTAssertTrue(result.output.contains("non-finite voxels 14,593 replaced by 0"), result.output)
    XCTAssertTrue(result.errors.contains("14593 NaN/Inf voxel(s)"), result.errors)
  }

  func testC17ConstantAirGivesALabelMapWithoutCrashing() throws {
    for mode in [[], ["--fast"]] {
      let result = try segmentCase("c17_constant_air.nii.gz", shapeIJK: [48, 48, 24], extra: mode)
      XCTAssertTrue(result.output.contains("(whole volume)"), result.output)
    }
  }

  func testC19AnisotropicUsesTheSeparateAxisAndComesBackAt64x64x8() throws {
    for mode in [[], ["--fast"]] {
      let result = try segmentCase("c19_anisotropic_0p7x0p7x5.nii.gz", shapeIJK: [64, 64, 8], extra: mode)
      // Resampled grid (i, j, k) [30, 30, 27] = (k, j, i) 27x30x30; the 5 mm axis uses order 0.
      XCTAssertTrue(result.output.contains("resampled         27x30x30 (axis 0 order 0: anisotropic)"), result.output)
    }
  }

  func testC20ThinVolumeIsPaddedAndStaysThreeD() throws {
    let result = try segmentCase("c20_thin_3_slices.nii.gz", shapeIJK: [64, 64, 3])
    XCTAssertEqual(result.image.header.dim[0], 3)
    XCTAssertTrue(result.output.contains("padded 32x"), result.output)
  }

  func testC21OddSizeComesBackExactly() throws {
    for mode in [[], ["--fast"]] {
      try segmentCase("c21_odd_size_61x47x33.nii.gz", shapeIJK: [61, 47, 33], extra: mode)
    }
  }

  func testC25FloatPixdimHeaderIsCopiedBitForBit() throws {
    let result = try segmentCase("c25_float_pixdim_output_header.nii.gz", shapeIJK: [48, 48, 24])
    XCTAssertEqual(result.image.header.datatype, .uint8)
  }
}
