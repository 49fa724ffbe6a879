// A 3-D NIfTI image as the segmentation pipeline sees it: float32 voxels (after scl_slope /
// scl_inter) in nnU-Net's (k, j, i) array order, i.e. SimpleITK's GetArrayFromImage order, plus
// the geometry and the header it came with (kept so outputs copy it bit for bit).
import TensorCore

public struct NIfTIImage: Sendable {
  public let header: NIfTIHeader
  /// Voxel values, shape [nk, nj, ni], float32, scaling applied. Element [k][j][i] is voxel (i, j, k).
  public var voxelsKJI: Tensor
  /// The 4×4 voxel (i, j, k, 1) → world (x, y, z, 1) matrix used for geometry.
  public let affine: [[Double]]
  /// Which header fields `affine` came from.
  public let geometrySource: GeometrySource
  /// NaN and ±Inf voxels in `voxelsKJI` (left in place; the pipeline decides what to do with them).
  public let nonFiniteVoxelCount: Int
  /// Non-fatal findings (sform/qform mismatch, negative pixdim, ...), for the run's report.
  public let warnings: [String]

  public init(
    header: NIfTIHeader, voxelsKJI: Tensor, affine: [[Double]], geometrySource: GeometrySource,
    nonFiniteVoxelCount: Int, warnings: [String]
  ) {
    self.header = header
    self.voxelsKJI = voxelsKJI
    self.affine = affine
    self.geometrySource = geometrySource
    self.nonFiniteVoxelCount = nonFiniteVoxelCount
    self.warnings = warnings
  }

  /// (ni, nj, nk).
  public var shapeIJK: [Int] { header.shapeIJK }
  /// (nk, nj, ni): the shape of `voxelsKJI`.
  public var shapeKJI: [Int] { header.shapeKJI }
  /// Voxel size along i, j, k (pixdim[1...3]).
  public var spacingIJK: [Double] { header.spacingIJK }
  /// Voxel size in (k, j, i) order, as nnU-Net uses it.
  public var spacingKJI: [Double] { header.spacingKJI }

  /// World coordinates (x, y, z) of the centre of voxel (i, j, k).
  public func worldPosition(i: Double, j: Double, k: Double) -> [Double] {
    (0..<3).map { affine[$0][0] * i + affine[$0][1] * j + affine[$0][2] * k + affine[$0][3] }
  }
}
