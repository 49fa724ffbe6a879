// Voxel-to-world geometry of a NIfTI header, following the standard's three methods (nifti1.h):
// the sform (srow_x/y/z) when sform_code > 0, else the qform (quaternion + qoffset, with qfac in
// pixdim[0]) when qform_code > 0, else plain pixdim scaling. Also converts a rotation back to a
// quaternion, for headers this project creates itself.
import Foundation

public enum GeometrySource: String, Sendable {
  case sform
  case qform
  case pixdim
}

public enum NIfTIGeometry {
  /// Largest difference (mm, or mm per voxel for the 3×3 part) at which sform and qform still agree.
  public static let agreementTolerance = 1e-3

  /// The 4×4 affine from the sform rows.
  public static func sformAffine(_ header: NIfTIHeader) -> [[Double]] {
    header.sformRows + [[0, 0, 0, 1]]
  }

  /// The 4×4 affine from the quaternion, qoffset, pixdim and qfac.
  public static func qformAffine(_ header: NIfTIHeader) -> [[Double]] {
    let qfac: Double = header.pixdim[0] < 0 ? -1 : 1
    let rotation = rotationMatrix(quaternion: header.quaternion)
    let scale = [header.spacingIJK[0], header.spacingIJK[1], header.spacingIJK[2] * qfac]
    var affine = (0..<3).map { row in (0..<3).map { rotation[row][$0] * scale[$0] } + [header.quaternOffset[row]] }
    affine.append([0, 0, 0, 1])
    return affine
  }

  /// Method 1 of the standard: voxel size scaling with the origin at voxel (0, 0, 0).
  public static func pixdimAffine(_ header: NIfTIHeader) -> [[Double]] {
    let spacing = header.spacingIJK
    return [[spacing[0], 0, 0, 0], [0, spacing[1], 0, 0], [0, 0, spacing[2], 0], [0, 0, 0, 1]]
  }

  /// The affine that defines geometry, where it came from, and a warning when both forms exist and
  /// disagree beyond `agreementTolerance`.
  public static func resolve(_ header: NIfTIHeader, path: String) -> (affine: [[Double]], source: GeometrySource, warnings: [String]) {
    var warnings: [String] = []
    if header.sformCode > 0 && header.qformCode > 0 {
      let sform = sformAffine(header)
      let qform = qformAffine(header)
      var worst = (difference: 0.0, row: 0, column: 0)
      for row in 0..<3 {
        for column in 0..<4 {
          let difference = abs(sform[row][column] - qform[row][column])
          if !(difference <= worst.difference) { worst = (difference, row, column) }
        }
      }
      if !(worst.difference <= agreementTolerance) {
        warnings.append(
          "\(path): sform (code \(header.sformCode)) and qform (code \(header.qformCode)) disagree by up to "
            + "\(worst.difference) (affine row \(worst.row), column \(worst.column): sform "
            + "\(sform[worst.row][worst.column]), qform \(qform[worst.row][worst.column])); geometry follows the "
            + "sform, as the NIfTI standard prescribes when sform_code > 0, and both forms are copied unchanged "
            + "into outputs.")
      }
    }
    if header.sformCode > 0 { return (sformAffine(header), .sform, warnings) }
    if header.qformCode > 0 { return (qformAffine(header), .qform, warnings) }
    return (pixdimAffine(header), .pixdim, warnings)
  }

  /// Rotation matrix of the unit quaternion (a, b, c, d) with a = sqrt(1 − b² − c² − d²); when the
  /// stored (b, c, d) is not shorter than 1 it is normalised and a = 0, as nifti1_io does.
  public static func rotationMatrix(quaternion: [Double]) -> [[Double]] {
    var (b, c, d) = (quaternion[0], quaternion[1], quaternion[2])
    var a = 1 - (b * b + c * c + d * d)
    if a < 1e-7 {
      let norm = (b * b + c * c + d * d).squareRoot()
      if norm > 0 { (b, c, d) = (b / norm, c / norm, d / norm) }
      a = 0
    } else {
      a = a.squareRoot()
    }
    return [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ]
  }

  /// Quaternion (b, c, d) and qfac of the rotation in an affine's 3×3 part. Columns are normalised;
  /// a negative determinant is absorbed by qfac = −1 (the third column flipped), so the rest is a
  /// proper rotation. Follows the standard matrix-to-quaternion branches on the largest diagonal term.
  public static func quaternion(ofAffine affine: [[Double]]) -> (bcd: [Double], qfac: Double) {
    var columns = (0..<3).map { column in (0..<3).map { affine[$0][column] } }
    for index in 0..<3 {
      let norm = columns[index].map { $0 * $0 }.reduce(0, +).squareRoot()
      if norm > 0 { columns[index] = columns[index].map { $0 / norm } }
    }
    let m = (0..<3).map { row in (0..<3).map { columns[$0][row] } }
    let determinant =
      m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
      + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    let qfac: Double = determinant < 0 ? -1 : 1
    let r = m.map { [$0[0], $0[1], $0[2] * qfac] }
    let trace = r[0][0] + r[1][1] + r[2][2]
    var (a, b, c, d): (Double, Double, Double, Double)
    if trace > 0 {
      let s = (trace + 1).squareRoot() * 2
      (a, b, c, d) = (s / 4, (r[2][1] - r[1][2]) / s, (r[0][2] - r[2][0]) / s, (r[1][0] - r[0][1]) / s)
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
      let s = (1 + r[0][0] - r[1][1] - r[2][2]).squareRoot() * 2
      (a, b, c, d) = ((r[2][1] - r[1][2]) / s, s / 4, (r[0][1] + r[1][0]) / s, (r[0][2] + r[2][0]) / s)
    } else if r[1][1] > r[2][2] {
      let s = (1 + r[1][1] - r[0][0] - r[2][2]).squareRoot() * 2
      (a, b, c, d) = ((r[0][2] - r[2][0]) / s, (r[0][1] + r[1][0]) / s, s / 4, (r[1][2] + r[2][1]) / s)
    } else {
      let s = (1 + r[2][2] - r[0][0] - r[1][1]).squareRoot() * 2
      (a, b, c, d) = ((r[1][0] - r[0][1]) / s, (r[0][2] + r[2][0]) / s, (r[1][2] + r[2][1]) / s, s / 4)
    }
    // NIfTI stores only b, c, d and requires a ≥ 0.
    if a < 0 { (b, c, d) = (-b, -c, -d) }
    return ([b, c, d], qfac)
  }
}
