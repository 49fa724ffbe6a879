// The settings of one segmentation run (STUNET.md §7): what the nnU-Net plans fix (target spacing,
// patch, normalisation) and what the user chooses (normal or fast export, test-time mirroring,
// threads, label numbering). Defaults are the TotalSegmentator / STU-Net ones.

public enum SegmentationMode: String, Sendable, CaseIterable {
  /// Probabilities resampled back to the original grid (linear), then argmax (nnU-Net's default).
  case normal
  /// Argmax at the target spacing, then the label map resampled back (nnU-Net's `--mode fast`).
  case fast
}

public struct SegmentationConfiguration: Equatable, Sendable {
  /// Target voxel spacing in mm, (k, j, i) order.
  public var targetSpacing: [Double]
  /// Network input patch, (k, j, i) order.
  public var patchSize: [Int]
  /// Sliding-window step as a fraction of the patch (nnU-Net: 0.5).
  public var stepFraction: Double
  public var normalization: IntensityNormalization
  public var mode: SegmentationMode
  /// nnU-Net's eight mirrored passes per tile.
  public var testTimeAugmentation: Bool
  /// Worker threads for the numeric steps (the model backend has its own setting).
  public var threads: Int
  /// Numbering of the output labels (only for 105-class TotalSegmentator models).
  public var labelOrder: LabelOrder
  /// Rows along axis 0 per slab of logits a backend hands over (bounds the tile buffers).
  public var slabRows: Int
  /// Memory the run may plan for (MemoryBudget); nil: the machine's physical memory.
  public var memoryLimitBytes: Int? = nil

  public static let totalSegmentatorSpacing = [1.5, 1.5, 1.5]
  public static let totalSegmentatorPatch = [128, 128, 128]

  public init(
    targetSpacing: [Double] = totalSegmentatorSpacing, patchSize: [Int] = totalSegmentatorPatch,
    stepFraction: Double = 0.5, normalization: IntensityNormalization = .zScore, mode: SegmentationMode = .normal,
    testTimeAugmentation: Bool = false, threads: Int = ParallelLoop.defaultThreadCount,
    labelOrder: LabelOrder = .stunet, slabRows: Int = 8
  ) {
    self.targetSpacing = targetSpacing
    self.patchSize = patchSize
    self.stepFraction = stepFraction
    self.normalization = normalization
    self.mode = mode
    self.testTimeAugmentation = testTimeAugmentation
    self.threads = threads
    self.labelOrder = labelOrder
    self.slabRows = slabRows
  }

  /// Throws naming the first setting that cannot work.
  public func validate(classes: Int) throws {
    let step = "segmentation settings"
    guard targetSpacing.count == 3, targetSpacing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw SegmentationError.invalidSpacing(step: step + " (target spacing)", spacing: targetSpacing)
    }
    guard patchSize.count == 3, patchSize.allSatisfy({ $0 > 0 && $0 <= 4096 }) else {
      throw SegmentationError.invalidParameter(
        step: step, name: "patch size", value: "\(patchSize)", expected: "three sizes in 1...4096")
    }
    guard stepFraction > 0, stepFraction <= 1 else {
      throw SegmentationError.invalidParameter(
        step: step, name: "step fraction", value: "\(stepFraction)", expected: "a value in (0, 1]")
    }
    guard threads >= 1 else {
      throw SegmentationError.invalidParameter(step: step, name: "threads", value: "\(threads)", expected: ">= 1")
    }
    guard slabRows >= 1 else {
      throw SegmentationError.invalidParameter(step: step, name: "slab rows", value: "\(slabRows)", expected: ">= 1")
    }
    guard classes >= 1 else {
      throw SegmentationError.invalidParameter(
        step: step, name: "model classes", value: "\(classes)", expected: "at least 1 output channel")
    }
    if labelOrder == .totalSegmentatorV1, classes != LabelMaps.stunetToTotalSegmentatorV1.count {
      throw SegmentationError.invalidParameter(
        step: step, name: "label order", value: labelOrder.rawValue,
        expected: "a model with \(LabelMaps.stunetToTotalSegmentatorV1.count) classes (this one has \(classes)); use the stunet order")
    }
  }
}
