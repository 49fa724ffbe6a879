// A quick-look picture of a segmentation: three orthogonal slices through the centre of the
// labelled region (axial, coronal, sagittal), CT in a soft-tissue window with a coloured,
// semi-transparent label overlay. Returns RGB bytes; the caller encodes them (PNG).
import TensorCore

public struct RGBImage: Sendable {
  public var width: Int
  public var height: Int
  public var pixels: [UInt8]
}

public enum SlicePreview {
  /// `image` and `labels` are [k, j, i] volumes of the same shape; spacing in (k, j, i) mm.
  public static func render(image: Tensor, labels: Tensor, spacingKJI: [Double], panelHeight: Int = 256) -> RGBImage {
    let shape = image.shape
    guard shape.count == 3, labels.shape == shape, shape.allSatisfy({ $0 > 0 }) else {
      return RGBImage(width: 1, height: 1, pixels: [0, 0, 0])
    }
    let (nk, nj, ni) = (shape[0], shape[1], shape[2])
    let centre = labelledCentre(labels, shape: shape)
    // Each panel: (rows axis, columns axis, fixed axis, fixed index), displayed with physical aspect.
    let panels: [(rows: Int, cols: Int, fixed: Int, index: Int)] = [
      (1, 2, 0, centre[0]),  // axial: j down, i across
      (0, 2, 1, centre[1]),  // coronal: k down, i across
      (0, 1, 2, centre[2]),  // sagittal: k down, j across
    ]
    let spacing = spacingKJI.count == 3 ? spacingKJI : [1, 1, 1]
    let sizes = panels.map { panel -> (Int, Int) in
      let heightMM = Double(shape[panel.rows]) * spacing[panel.rows]
      let widthMM = Double(shape[panel.cols]) * spacing[panel.cols]
      let width = max(1, Int((Double(panelHeight) * widthMM / max(heightMM, 1e-6)).rounded()))
      return (width, panelHeight)
    }
    let gap = 4
    let totalWidth = sizes.reduce(0) { $0 + $1.0 } + gap * (panels.count - 1)
    var pixels = [UInt8](repeating: 0, count: totalWidth * panelHeight * 3)
    var originX = 0
    for (panel, size) in zip(panels, sizes) {
      for y in 0..<size.1 {
        // Rows run top to bottom; axis k is drawn with high k (superior in RAS scans) at the top.
        var row = min(shape[panel.rows] - 1, y * shape[panel.rows] / size.1)
        if panel.rows == 0 { row = shape[0] - 1 - row }
        for x in 0..<size.0 {
          let col = min(shape[panel.cols] - 1, x * shape[panel.cols] / size.0)
          var position = [0, 0, 0]
          position[panel.rows] = row
          position[panel.cols] = col
          position[panel.fixed] = panel.index
          let flat = (position[0] * nj + position[1]) * ni + position[2]
          let grey = window(image.data[flat])
          var rgb = (grey, grey, grey)
          let label = Int(labels.data[flat])
          if label > 0 {
            let colour = colourOf(label)
            rgb = (
              (grey + 2 * Double(colour.0)) / 3, (grey + 2 * Double(colour.1)) / 3, (grey + 2 * Double(colour.2)) / 3
            )
          }
          let offset = (y * totalWidth + originX + x) * 3
          pixels[offset] = UInt8(max(0, min(255, rgb.0)))
          pixels[offset + 1] = UInt8(max(0, min(255, rgb.1)))
          pixels[offset + 2] = UInt8(max(0, min(255, rgb.2)))
        }
      }
      originX += size.0 + gap
    }
    _ = nk
    return RGBImage(width: totalWidth, height: panelHeight, pixels: pixels)
  }

  /// Soft-tissue window: level 40 HU, width 400 HU, to 0...255.
  static func window(_ value: Float) -> Double {
    guard value.isFinite else { return 0 }
    return max(0, min(255, (Double(value) - (40 - 200)) / 400 * 255))
  }

  /// A distinct, stable colour per label (golden-angle hue walk).
  static func colourOf(_ label: Int) -> (UInt8, UInt8, UInt8) {
    let hue = (Double(label) * 137.508).truncatingRemainder(dividingBy: 360) / 60
    let x = 1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1)
    let (r, g, b): (Double, Double, Double)
    switch Int(hue) {
    case 0: (r, g, b) = (1, x, 0)
    case 1: (r, g, b) = (x, 1, 0)
    case 2: (r, g, b) = (0, 1, x)
    case 3: (r, g, b) = (0, x, 1)
    case 4: (r, g, b) = (x, 0, 1)
    default: (r, g, b) = (1, 0, x)
    }
    return (UInt8(55 + 200 * r), UInt8(55 + 200 * g), UInt8(55 + 200 * b))
  }

  /// Centre of the bounding box of nonzero labels, or the volume centre when there are none.
  static func labelledCentre(_ labels: Tensor, shape: [Int]) -> [Int] {
    var lower = shape
    var upper = [-1, -1, -1]
    let (nj, ni) = (shape[1], shape[2])
    for (flat, value) in labels.data.enumerated() where value > 0 {
      let position = [flat / (nj * ni), (flat / ni) % nj, flat % ni]
      for axis in 0..<3 {
        lower[axis] = min(lower[axis], position[axis])
        upper[axis] = max(upper[axis], position[axis])
      }
    }
    return (0..<3).map { upper[$0] >= 0 ? (lower[$0] + upper[$0]) / 2 : shape[$0] / 2 }
  }
}
