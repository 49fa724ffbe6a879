// The `--preview` picture of `stunetc segment` and `stunet-model segment`: SlicePreview's three
// orthogonal slices, shown the way radiologists read them whatever the storage order: before
// rendering, the image and the labels are flipped (display only) so that the patient's right is on the left of the axial and
// coronal panels, anterior is at the top of the axial panel, and superior at the top of the others.
// The world frame is NIfTI's RAS+ (+x toward the patient's right, +y anterior, +z superior), read
// from the affine; an axis whose direction is mostly along another world axis is left as stored.
import Archive
import Foundation
import Segmentation
import TensorCore

public enum SegmentPreview {
  /// Spatial axes of a (k, j, i) volume to flip for display, from the voxel-to-world affine.
  public static func displayFlips(affine: [[Double]]) -> [Int] {
    guard affine.count >= 3, affine.allSatisfy({ $0.count >= 3 }) else { return [] }
    /// The world component of voxel axis `column` along world axis `row`, when it dominates.
    func dominant(_ column: Int, along row: Int) -> Double? {
      let components = (0..<3).map { abs(affine[$0][column]) }
      return components[row] == components.max() && components[row] > 0 ? affine[row][column] : nil
    }
    var flips: [Int] = []
    // k: SlicePreview draws high k at the top; superior is +z.
    if let z = dominant(2, along: 2), z < 0 { flips.append(0) }
    // j: SlicePreview draws low j at the top of the axial panel; anterior is +y.
    if let y = dominant(1, along: 1), y > 0 { flips.append(1) }
    // i: SlicePreview draws low i on the left, where the patient's right (+x) belongs.
    if let x = dominant(0, along: 0), x > 0 { flips.append(2) }
    return flips
  }

  /// PNG bytes of the preview of `labels` over `image` (both (k, j, i)).
  public static func png(image: Tensor, labels: Tensor, spacingKJI: [Double], affine: [[Double]]) throws -> Data {
    let flips = displayFlips(affine: affine)
    let shownImage = try Mirroring.flip(image, spatialAxes: flips)
    let shownLabels = try Mirroring.flip(labels, spatialAxes: flips)
    let picture = SlicePreview.render(image: shownImage, labels: shownLabels, spacingKJI: spacingKJI)
    return try PNGWriter.encode(rgb: picture.pixels, width: picture.width, height: picture.height)
  }
}
