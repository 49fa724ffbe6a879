// The embedded default input of `stunetc segment --demo`: the project's synthetic CT-like phantom
// (SyntheticPhantom: air, body, lungs, liver, kidneys, spine, a marker sphere; HU values with a
// little noise), written as an int16 NIfTI-1 file with a fresh header, so the demo needs no scan.
import Foundation
import NIfTI
import Segmentation
import TensorCore

enum SegmentDemo {
  static let folder = "out/demo"
  static let inputName = "phantom.nii.gz"
  static let outputName = "phantom_seg.nii.gz"
  static let previewName = "preview.png"
  /// The phantom's grid: 96x80x64 voxels of 2x2x2.5 mm resample to 128x107x107 (i,j,k) at 1.5 mm,
  /// one 128^3 tile.
  static let shapeIJK = [96, 80, 64]
  static let spacingIJK = [2.0, 2.0, 2.5]

  /// Writes the phantom to `url` (folders created) and returns its header's description.
  static func writePhantom(to url: URL, seed: UInt64 = 1) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var phantom = SyntheticPhantom.make(shapeIJK: shapeIJK, spacingIJK: spacingIJK, seed: seed)
    phantom.voxels.data = phantom.voxels.data.map { $0.rounded() }
    // The phantom's liver is at low i and its spine at high j, its lungs at high k: the voxel axes
    // run toward the patient's left, posterior and superior (LPS storage, as DICOM-derived scans
    // often are), so in NIfTI's RAS+ world i and j point along -x and -y. Centred on the origin.
    let directions: [Double] = [-1, -1, 1]
    var affine = (0..<4).map { row in (0..<4).map { column in row == column ? 1.0 : 0.0 } }
    for axis in 0..<3 {
      affine[axis][axis] = directions[axis] * spacingIJK[axis]
      affine[axis][3] = -directions[axis] * Double(shapeIJK[axis] - 1) / 2 * spacingIJK[axis]
    }
    let header = try NIfTIHeader.make(
      shapeIJK: shapeIJK, affine: affine, datatype: .int16, description: "stunetc synthetic CT phantom")
    try NIfTIWriter.write(
      phantom.voxels, as: .int16, like: header, to: url, description: "stunetc synthetic CT phantom (HU)")
  }
}
