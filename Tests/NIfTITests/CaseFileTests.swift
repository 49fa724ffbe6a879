// Every NIfTI row of ../shared/cases/CASES.md, with the value the case says is right
// (expected numbers from ../shared/cases/files/manifest.json).
import Foundation
import NIfTI
import TensorCore
import XCTest

final class CaseFileTests: XCTestCase {
  /// Affine of c00 and most cases (manifest, rounded there to 6 decimals).
  let referenceAffine: [[Double]] = [
    [-0.976562, 0, 0, 23.4], [0, -0.976562, 0, 23.4], [0, 0, 2.5, -30], [0, 0, 0, 1],
  ]
  var scratch: URL!

  override func setUpWithError() throws { scratch = try makeScratchFolder() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

  /// The reference phantom itself, checked against values computed independently with numpy.
  func testReferenceValuesOrderAndGeometry() throws {
    let image = try SharedFiles.reference()
    XCTAssertEqual(image.shapeIJK, [48, 48, 24])
    XCTAssertEqual(image.voxelsKJI.shape, [24, 48, 48])
    XCTAssertEqual(image.spacingKJI, [2.5, 0.9765625, 0.9765625])
    XCTAssertEqual(image.geometrySource, .sform)
    XCTAssertTrue(image.warnings.isEmpty, "\(image.warnings)")
    assertAffinesEqual(image.affine, referenceAffine, tolerance: 1e-5)
    let data = image.voxelsKJI.data
    XCTAssertEqual(data.map(Double.init).reduce(0, +), -28_900_549)
    // (k, j, i) → value, from numpy on the raw int16 array reshaped (nk, nj, ni).
    let probes: [([Int], Float)] = [([0, 0, 0], -1010), ([12, 24, 24], 45), ([20, 40, 30], -1004), ([5, 10, 40], -999), ([23, 47, 47], -999)]
    for (index, value) in probes {
      XCTAssertEqual(data[(index[0] * 48 + index[1]) * 48 + index[2]], value, "voxel (k,j,i) \(index)")
    }
  }

  /// The marker sphere (label 5) lies in the +i,+j,+k octant and its centroid maps to the world
  /// position in the manifest: array order and affine agree.
  func testMarkerCentroidMapsToManifestWorldPosition() throws {
    let truth = try NIfTIReader.read(SharedFiles.caseFile("c00_reference_truth.nii.gz"))
    XCTAssertEqual(truth.header.datatype, .uint8)
    var sum = [0.0, 0.0, 0.0]
    var count = 0.0
    let shape = truth.shapeKJI
    for k in 0..<shape[0] {
      for j in 0..<shape[1] {
        for i in 0..<shape[2] where truth.voxelsKJI.data[(k * shape[1] + j) * shape[2] + i] == 5 {
          sum[0] += Double(i); sum[1] += Double(j); sum[2] += Double(k); count += 1
        }
      }
    }
    XCTAssertEqual(count, 233)
    let centroid = sum.map { $0 / count }
    XCTAssertGreaterThan(centroid[0], 24); XCTAssertGreaterThan(centroid[1], 24); XCTAssertGreaterThan(centroid[2], 12)
    let world = truth.worldPosition(i: centroid[0], j: centroid[1], k: centroid[2])
    for (actual, expected) in zip(world, [-9.883, -6.463, 16.041]) { XCTAssertEqual(actual, expected, accuracy: 2e-3) }
  }

  func testC01SformWinsWarnsAndBothFormsAreCopied() throws {
    let url = try SharedFiles.caseFile("c01_qform_sform_mismatch.nii.gz")
    let image = try NIfTIReader.read(url)
    XCTAssertEqual(image.geometrySource, .sform)
    assertAffinesEqual(image.affine, referenceAffine, tolerance: 1e-5)
    // The qform really is the rotated, shifted one of the manifest (so the warning is about a real mismatch).
    let qform = NIfTIGeometry.qformAffine(image.header)
    assertAffinesEqual(qform, [[-0.961726, 0.169578, 0, 38.4], [-0.169578, -0.961726, 0, 13.4], [0, 0, 2.5, -25], [0, 0, 0, 1]], tolerance: 1e-5)
    XCTAssertEqual(image.warnings.count, 1)
    let warning = image.warnings.first ?? ""
    XCTAssertTrue(warning.contains("sform") && warning.contains("qform") && warning.contains("disagree"), warning)
    XCTAssertTrue(warning.contains("15.0"), "names the 15 mm shift: \(warning)")
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, try SharedFiles.reference().voxelsKJI.data))

    let output = scratch.appendingPathComponent("c01_seg.nii.gz")
    try NIfTIWriter.writeLabels(Tensor(zeros: image.shapeKJI), like: image.header, to: output)
    let written = try NIfTIReader.read(output)
    HeaderFields.assertGeometryBitIdentical(written.header, image.header)
    XCTAssertEqual(written.header.qformCode, 1)
    XCTAssertEqual(written.header.sformCode, 1)
    XCTAssertEqual(written.warnings.count, 1, "the output carries the same two forms")
  }

  func testC05OutputAffineEqualsInputAffine() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c05_rotated_83deg_about_z.nii.gz"))
    let expected: [[Double]] = [[0.120847, -0.992671, 0, 112.3619], [0.992671, 0.120847, 0, -142.911224], [0, 0, 1, -129], [0, 0, 0, 1]]
    assertAffinesEqual(image.affine, expected, tolerance: 1e-5)
    XCTAssertEqual(image.spacingIJK, [1, 1, 1])
    XCTAssertTrue(image.warnings.isEmpty, "qform and sform agree here: \(image.warnings)")
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, try SharedFiles.reference().voxelsKJI.data))
    let output = scratch.appendingPathComponent("c05_seg.nii.gz")
    try NIfTIWriter.writeLabels(Tensor(zeros: image.shapeKJI), like: image.header, to: output)
    let written = try NIfTIReader.read(output)
    XCTAssertEqual(written.affine, image.affine, "bit-identical affine")
    XCTAssertEqual(NIfTIGeometry.qformAffine(written.header), NIfTIGeometry.qformAffine(image.header))
    HeaderFields.assertGeometryBitIdentical(written.header, image.header)
  }

  func testC09ScalingRestoresHUAndLabelsAreWrittenUnscaled() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c09_uint16_scl_inter_minus1024.nii.gz"))
    XCTAssertEqual(image.header.datatype, .uint16)
    XCTAssertEqual(image.header.sclInter, -1024)
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, try SharedFiles.reference().voxelsKJI.data), "HU equal c00 exactly")
    let output = scratch.appendingPathComponent("c09_seg.nii")
    let labels = Tensor(shape: image.shapeKJI, data: image.voxelsKJI.data.map { $0 > 0 ? 1 : 0 })
    try NIfTIWriter.writeLabels(labels, like: image.header, to: output)
    let written = try NIfTIReader.read(output)
    XCTAssertEqual(written.header.sclSlope, 1)
    XCTAssertEqual(written.header.sclInter, 0)
    XCTAssertEqual(written.header.datatype, .uint8)
    XCTAssertEqual(written.header.bitpix, 8)
    XCTAssertEqual(written.voxelsKJI, labels)
  }

  func testC11SingletonFourthAxisIsThreeD() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c11_4d_singleton.nii.gz"))
    XCTAssertEqual(image.header.dim[0], 4)
    XCTAssertEqual(image.shapeIJK, [48, 48, 24])
    XCTAssertEqual(image.voxelsKJI.shape, [24, 48, 48])
    assertAffinesEqual(image.affine, referenceAffine, tolerance: 1e-5)
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, try SharedFiles.reference().voxelsKJI.data))
    let output = scratch.appendingPathComponent("c11_seg.nii.gz")
    try NIfTIWriter.writeLabels(Tensor(zeros: image.shapeKJI), like: image.header, to: output)
    let written = try NIfTIReader.read(output)
    XCTAssertEqual(Array(written.header.dim[0...4]), [3, 48, 48, 24, 1], "written as 3-D")
    XCTAssertEqual(written.affine, image.affine)
    XCTAssertEqual(written.header.pixdim, image.header.pixdim)
  }

  func testC11TrueFourDSeriesIsAClearError() {
    var file = SyntheticNIfTI()
    file.dim = [4, 4, 3, 2, 2, 1, 1, 1]
    file.data = [UInt8](repeating: 0, count: 4 * 3 * 2 * 2 * 2)
    let message = expectNIfTIError({ _ = try NIfTIReader.decode(file.bytes(), path: "series.nii") }) {
      if case .notThreeDimensional(_, let dims) = $0 { return dims == [4, 3, 2, 2] }
      return false
    }
    XCTAssertTrue(message.contains("series.nii") && message.contains("4-D"), message)
  }

  func testC12CompressionFromMagicAndAllGzipMembers() throws {
    let reference = try SharedFiles.reference().voxelsKJI.data
    for name in ["c12a_named_gz_but_uncompressed.nii.gz", "c12c_gzip_multimember.nii.gz"] {
      let image = try NIfTIReader.read(SharedFiles.caseFile(name))
      XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, reference), name)
      assertAffinesEqual(image.affine, referenceAffine, tolerance: 1e-5)
    }
  }

  func testC13DataIsReadAtVoxOffset() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c13a_large_header_extension.nii.gz"))
    XCTAssertEqual(image.header.voxOffset, 63776)
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, try SharedFiles.reference().voxelsKJI.data))
  }

  func testC14NIfTI2MatchesReference() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c14a_nifti2.nii.gz"))
    let reference = try SharedFiles.reference()
    XCTAssertEqual(image.header.version, .nifti2)
    XCTAssertEqual(image.shapeIJK, reference.shapeIJK)
    XCTAssertEqual(image.spacingIJK, reference.spacingIJK)
    XCTAssertEqual(image.geometrySource, .sform)
    assertAffinesEqual(image.affine, reference.affine, tolerance: 1e-6)
    XCTAssertTrue(bitwiseEqual(image.voxelsKJI.data, reference.voxelsKJI.data))
    // A NIfTI-2 input gives a NIfTI-2 output with the float64 geometry copied bit for bit.
    let output = scratch.appendingPathComponent("c14_seg.nii.gz")
    try NIfTIWriter.writeLabels(Tensor(zeros: image.shapeKJI), like: image.header, to: output)
    let written = try NIfTIReader.read(output)
    XCTAssertEqual(written.header.version, .nifti2)
    XCTAssertEqual(written.header.voxOffset, 544)
    HeaderFields.assertGeometryBitIdentical(written.header, image.header)
    XCTAssertEqual(written.affine, image.affine)
  }

  func testC15NaNVoxelsAreReportedNotHidden() throws {
    let image = try NIfTIReader.read(SharedFiles.caseFile("c15_nan_voxels.nii.gz"))
    XCTAssertEqual(image.header.datatype, .float32)
    XCTAssertEqual(image.nonFiniteVoxelCount, 14593)
    XCTAssertEqual(image.voxelsKJI.data.filter(\.isNaN).count, 14593)
    // Interior NaN at (i, j, k) = (17, 20, 8) → flat index (k·48 + j)·48 + i.
    XCTAssertTrue(image.voxelsKJI.data[(8 * 48 + 20) * 48 + 17].isNaN)
  }

  func testC17C19C20C21ReadWithManifestShapesAndSpacings() throws {
    let air = try NIfTIReader.read(SharedFiles.caseFile("c17_constant_air.nii.gz"))
    XCTAssertTrue(air.voxelsKJI.data.allSatisfy { $0 == -1024 })
    XCTAssertEqual(air.nonFiniteVoxelCount, 0)

    let anisotropic = try NIfTIReader.read(SharedFiles.caseFile("c19_anisotropic_0p7x0p7x5.nii.gz"))
    XCTAssertEqual(anisotropic.shapeIJK, [64, 64, 8])
    for (actual, expected) in zip(anisotropic.spacingKJI, [5.0, 0.7, 0.7]) { XCTAssertEqual(actual, expected, accuracy: 1e-6) }
    assertAffinesEqual(anisotropic.affine, [[-0.7, 0, 0, 22.05], [0, -0.7, 0, 22.05], [0, 0, 5, -17.5], [0, 0, 0, 1]], tolerance: 1e-5)

    let thin = try NIfTIReader.read(SharedFiles.caseFile("c20_thin_3_slices.nii.gz"))
    XCTAssertEqual(thin.shapeIJK, [64, 64, 3])
    XCTAssertEqual(thin.spacingIJK, [1.5, 1.5, 1.5])
    let thinOut = scratch.appendingPathComponent("c20_seg.nii.gz")
    try NIfTIWriter.writeLabels(Tensor(zeros: thin.shapeKJI), like: thin.header, to: thinOut)
    XCTAssertEqual(Array(try NIfTIReader.read(thinOut).header.dim[0...3]), [3, 64, 64, 3], "still 3-D")

    let odd = try NIfTIReader.read(SharedFiles.caseFile("c21_odd_size_61x47x33.nii.gz"))
    XCTAssertEqual(odd.shapeIJK, [61, 47, 33])
    XCTAssertEqual(odd.voxelsKJI.shape, [33, 47, 61])
    assertAffinesEqual(odd.affine, [[-1.5, 0, 0, 40], [0, -1.5, 0, 30], [0, 0, 1.5, -20], [0, 0, 0, 1]], tolerance: 1e-5)
  }

  func testC25LabelHeaderIsBitIdenticalToInput() throws {
    let input = try NIfTIReader.read(SharedFiles.caseFile("c25_float_pixdim_output_header.nii.gz"))
    for (actual, expected) in zip(input.spacingIJK, [0.789062, 0.789062, 2.5]) { XCTAssertEqual(actual, expected, accuracy: 1e-6) }
    let truth = try NIfTIReader.read(SharedFiles.caseFile("c25_float_pixdim_output_header_truth.nii.gz"))
    for suffix in ["nii.gz", "nii"] {
      let output = scratch.appendingPathComponent("c25_seg." + suffix)
      try NIfTIWriter.writeLabels(truth.voxelsKJI, like: input.header, to: output)
      let written = try NIfTIReader.read(output)
      HeaderFields.assertGeometryBitIdentical(written.header, input.header)
      XCTAssertEqual(Array(written.header.rawBytes[40..<56]), Array(input.header.rawBytes[40..<56]), "whole dim incl. dim[0]")
      XCTAssertEqual(written.header.datatype, .uint8)
      XCTAssertEqual(written.header.sclSlope, 1)
      XCTAssertEqual(written.header.sclInter, 0)
      XCTAssertEqual(written.header.voxOffset, 352)
      XCTAssertEqual(written.header.descrip, NIfTIWriter.labelDescription)
      XCTAssertEqual(written.voxelsKJI.data, truth.voxelsKJI.data)
      XCTAssertEqual(written.affine, input.affine)
    }
  }
}
