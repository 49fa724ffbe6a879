// What a segmentation run did and what it cost: the geometry at each step (crop box, resampled and
// padded grids, tiles), the non-finite voxels replaced, wall time per stage and the memory held.
// The command line prints it as the closing summary; tests assert on it.

public struct StageTiming: Equatable, Sendable {
  public var name: String
  public var seconds: Double

  public init(name: String, seconds: Double) {
    self.name = name
    self.seconds = seconds
  }
}

public struct PipelineReport: Sendable {
  public var mode: SegmentationMode
  public var testTimeAugmentation: Bool
  /// Input grid, (k, j, i).
  public var originalShape: [Int]
  public var originalSpacing: [Double]
  public var cropBox: CropBox
  /// NaN and ±Inf voxels replaced by 0 before resampling.
  public var nonFiniteCount: Int
  /// Cropped grid -> target-spacing grid.
  public var resampling: ResamplingPlan
  /// Target-spacing grid -> cropped grid (normal mode: probabilities; fast mode: labels).
  public var resamplingBack: ResamplingPlan
  public var paddedShape: [Int]
  public var tileStarts: [[Int]]
  public var tileCount: Int
  /// Network passes per tile (8 with test-time mirroring).
  public var passesPerTile: Int
  public var usesImportanceMap: Bool
  public var classes: Int
  /// Bytes of the aggregation band (sums, weights and one finished row).
  public var aggregationBandBytes: Int
  /// Distinct labels in the output, ascending (after renumbering).
  public var labelsPresent: [Int]
  /// Wall time per stage, in the order they ran.
  public var stages: [StageTiming]
  /// Peak resident set size of the process when the pipeline finished.
  public var peakResidentBytes: Int

  public var totalSeconds: Double { stages.reduce(0) { $0 + $1.seconds } }

  /// Adds `seconds` to the stage `name`, appending it when new.
  public mutating func record(_ name: String, seconds: Double) {
    if let index = stages.firstIndex(where: { $0.name == name }) {
      stages[index].seconds += seconds
    } else {
      stages.append(StageTiming(name: name, seconds: seconds))
    }
  }

  public func seconds(of name: String) -> Double? { stages.first(where: { $0.name == name })?.seconds }
}
