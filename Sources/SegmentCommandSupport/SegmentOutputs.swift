// The files of a finished segmentation (`stunetc segment`, `stunet-model segment`), written only
// once the pipeline has run: the preview PNG (oriented for reading, SegmentPreview) is encoded
// first, then the label map is written in the input's geometry, then the preview; when the
// preview cannot be written the label map is removed again, so both appear or neither. Each file
// is written atomically.
import Foundation
import NIfTI
import Segmentation
import TensorCore

public enum SegmentOutputs {
  /// Writes the label map of `result` (and the preview when `previewPath` is given); returns the
  /// stage timings "preview" (when asked) and "write".
  public static func write(
    _ result: SegmentationResult, of image: NIfTIImage, to outputPath: String, preview previewPath: String?
  ) throws -> [StageTiming] {
    var watch = Stopwatch()
    var stages: [StageTiming] = []
    var previewPNG: Data?
    if previewPath != nil {
      previewPNG = try SegmentPreview.png(
        image: image.voxelsKJI, labels: result.labels, spacingKJI: image.spacingKJI, affine: image.affine)
      stages.append(StageTiming(name: "preview", seconds: watch.lap()))
    }
    let outputURL = URL(fileURLWithPath: outputPath)
    try NIfTIWriter.writeLabels(result.labels, like: image.header, to: outputURL)
    if let previewPath, let previewPNG {
      do {
        try AtomicFile.write(previewPNG, to: URL(fileURLWithPath: previewPath))
      } catch {
        try? FileManager.default.removeItem(at: outputURL)
        throw error
      }
    }
    stages.append(StageTiming(name: "write", seconds: watch.lap()))
    return stages
  }
}
