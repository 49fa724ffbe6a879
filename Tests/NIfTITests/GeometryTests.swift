// Quaternion ↔ matrix conversions and headers created from scratch (NIfTIHeader.make).
import Foundation
import NIfTI
import TensorCore
import XCTest

final class GeometryTests: XCTestCase {
  /// Rotation about an axis by an angle (Rodrigues), times per-column spacing, with a flip option.
  func affine(axis: [Double], angle: Double, spacing: [Double], flipK: Bool, origin: [Double]) -> [[Double]] {
    let norm = axis.map { $0 * $0 }.reduce(0, +).squareRoot()
    let (x, y, z) = (axis[0] / norm, axis[1] / norm, axis[2] / norm)
    let (c, s, t) = (cos(angle), sin(angle), 1 - cos(angle))
    let r = [
      [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
      [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
      [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ]
    let scale = [spacing[0], spacing[1], spacing[2] * (flipK ? -1 : 1)]
    return (0..<3).map { row in (0..<3).map { r[row][$0] * scale[$0] } + [origin[row]] } + [[0, 0, 0, 1]]
  }

  func testMadeHeadersHaveAgreeingQformAndSform() throws {
    var generator = SplitMix(seed: 7)
    func uniform() -> Double { Double(generator.next() % 1_000_000) / 1_000_000 }
    for index in 0..<200 {
      let target = affine(
        axis: [uniform() - 0.5, uniform() - 0.5, uniform() - 0.5], angle: uniform() * 2 * .pi,
        spacing: [0.5 + uniform() * 3, 0.5 + uniform() * 3, 0.5 + uniform() * 5], flipK: index % 2 == 1,
        origin: [uniform() * 400 - 200, uniform() * 400 - 200, uniform() * 400 - 200])
      let header = try NIfTIHeader.make(shapeIJK: [5, 6, 7], affine: target, datatype: .int16)
      let resolved = NIfTIGeometry.resolve(header, path: "made")
      XCTAssertEqual(resolved.source, .sform)
      XCTAssertTrue(resolved.warnings.isEmpty, "\(index): \(resolved.warnings)")
      assertAffinesEqual(NIfTIGeometry.sformAffine(header), target, tolerance: 1e-4)
      assertAffinesEqual(NIfTIGeometry.qformAffine(header), target, tolerance: 1e-4)
      XCTAssertEqual(header.pixdim[0], index % 2 == 1 ? -1 : 1)
    }
  }

  func testMadeHeaderWritesAReadableImage() throws {
    let scratch = try makeScratchFolder()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let target: [[Double]] = [[-1.5, 0, 0, 90], [0, -1.5, 0, 120], [0, 0, 1.5, -60], [0, 0, 0, 1]]
    let header = try NIfTIHeader.make(shapeIJK: [4, 3, 2], affine: target, datatype: .int16, description: "phantom")
    let values = (0..<24).map { Float($0 * 50 - 1000) }
    let url = scratch.appendingPathComponent("phantom.nii.gz")
    try NIfTIWriter.write(Tensor(shape: [2, 3, 4], data: values), as: .int16, like: header, to: url, description: "phantom")
    let image = try NIfTIReader.read(url)
    XCTAssertEqual(image.voxelsKJI.data, values)
    XCTAssertEqual(image.affine, target)
    XCTAssertEqual(image.spacingKJI, [1.5, 1.5, 1.5])
    XCTAssertEqual(image.header.xyztUnits, 10)
    XCTAssertTrue(image.warnings.isEmpty)
  }

  func testMakeRejectsBadInput() {
    expectNIfTIError({ _ = try NIfTIHeader.make(shapeIJK: [4, 0, 2], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], datatype: .uint8) }) {
      if case .invalidHeader = $0 { return true }; return false
    }
    expectNIfTIError({ _ = try NIfTIHeader.make(shapeIJK: [4, 3, 2], affine: [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], datatype: .uint8) }) {
      if case .invalidHeader = $0 { return true }; return false
    }
  }

  func testRotationMatrixOfKnownQuaternions() {
    let identity = NIfTIGeometry.rotationMatrix(quaternion: [0, 0, 0])
    XCTAssertEqual(identity, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    // 180° about x: (a, b, c, d) = (0, 1, 0, 0).
    XCTAssertEqual(NIfTIGeometry.rotationMatrix(quaternion: [1, 0, 0]), [[1, 0, 0], [0, -1, 0], [0, 0, -1]])
    // Slightly over-long (b, c, d) from float rounding is normalised, a = 0.
    let rounded = NIfTIGeometry.rotationMatrix(quaternion: [0, 0, 1.0000001])
    for (row, expected) in zip(rounded, [[-1.0, 0, 0], [0, -1, 0], [0, 0, 1]]) {
      for (value, want) in zip(row, expected) { XCTAssertEqual(value, want, accuracy: 1e-12) }
    }
  }
}
