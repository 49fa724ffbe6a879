// The whole nnU-Net v1 inference pipeline of STUNET.md §7 on one image, with any model backend
// behind `TilePredictor`: crop to the nonzero box (step 2), non-finite voxels to 0 and counted,
// resample to the target spacing (3), normalise (4), pad to the patch (5), sliding window (6) with
// the Gaussian importance map for more than one tile (7), per tile the softmax of the logits with
// optional eight-way mirroring (8), probabilities averaged (9), then normal mode (probabilities
// resampled back linearly, argmax) or fast mode (argmax, labels resampled back), pasted into the
// crop box (10) and optionally renumbered to the TotalSegmentator v1 order (11).
//
// Memory stays bounded (issue 6 item 4): the backend hands logits over in row slabs that are turned
// into probabilities in place and added straight into `SlabAggregator`'s band of patch[0] rows,
// which passes each finished row to a streaming consumer (argmax, or resampling back and argmax),
// so neither a whole tile of probabilities nor a whole-volume probability map is ever held.
import TensorCore

public struct SegmentationResult: Sendable {
  /// Labels in the input's (k, j, i) grid; whole numbers stored as Float (dtype u8, or i32 beyond 256 classes).
  public var labels: Tensor
  public var report: PipelineReport
}

public final class SegmentationPipeline {
  public let configuration: SegmentationConfiguration
  public let predictor: TilePredictor

  public init(configuration: SegmentationConfiguration, predictor: TilePredictor) {
    self.configuration = configuration
    self.predictor = predictor
  }

  /// Segments `image` ([D, H, W] in (k, j, i) order, values as read, non-finite allowed) whose
  /// voxels are `spacing` mm apart, (k, j, i) order.
  public func run(image: Tensor, spacing: [Double], progress: PipelineProgressHandler? = nil) throws -> SegmentationResult {
    let settings = configuration
    let classes = predictor.classes
    try settings.validate(classes: classes)
    let originalShape = try VolumeShape.spatial(of: image, step: "segmentation input")
    _ = try VolumeShape.checkedCount(originalShape, step: "segmentation input")
    try ResamplingPlan.checkSpacing(spacing, step: "segmentation input")
    let threads = settings.threads
    var stages: [StageTiming] = []
    var watch = Stopwatch()
    func stage(_ name: String) {
      progress?(.stageStarted(name))
      _ = watch.lap()
    }
    func done(_ name: String) { stages.append(StageTiming(name: name, seconds: watch.lap())) }

    // Step 2 and the non-finite rule of step 3: the box is taken first (NaN counts as nonzero).
    stage("crop")
    let box = try CropBox.nonzeroBox(of: image)
    var volume = box.shape == originalShape ? image : try box.crop(image)
    let nonFinite = NonFiniteValues.replaceWithZero(in: &volume)
    let croppedShape = volume.shape
    done("crop")

    stage("resample")
    let forward = try ResamplingPlan.toTargetSpacing(
      shape: croppedShape, spacing: spacing, targetSpacing: settings.targetSpacing)
    try MemoryBudget.check(
      paddedShape: zip(forward.outputShape, settings.patchSize).map { max($0, $1) }, resampledShape: forward.outputShape,
      patch: settings.patchSize, classes: classes, targetSpacing: settings.targetSpacing, available: settings.memoryLimitBytes)
    volume = try Resampling.resampleImage(volume, plan: forward, threads: threads)
    done("resample")

    stage("normalise")
    try settings.normalization.apply(to: &volume)
    done("normalise")

    stage("pad")
    let padding = try CentredPadding(shape: forward.outputShape, minimumShape: settings.patchSize)
    volume = try padding.pad(volume)
    let window = try SlidingWindow(
      shape: padding.paddedShape, patch: settings.patchSize, stepFraction: settings.stepFraction)
    let importance = window.usesImportanceWeighting ? try GaussianImportanceMap.make(patch: settings.patchSize) : nil
    done("pad")

    let back = try ResamplingPlan.backToOriginal(
      resampledShape: forward.outputShape, originalShape: croppedShape, originalSpacing: spacing,
      targetSpacing: settings.targetSpacing)
    let streamsBack = settings.mode == .normal && !back.isIdentity
    var argmax: ArgmaxCollector?
    var resampledArgmax: ResampledArgmaxCollector?
    let export: TimedRowConsumer
    if streamsBack {
      let collector = try ResampledArgmaxCollector(channels: classes, plan: back, threads: threads)
      resampledArgmax = collector
      export = TimedRowConsumer(collector)
    } else {
      let collector = try ArgmaxCollector(channels: classes, shape: forward.outputShape, threads: threads)
      argmax = collector
      export = TimedRowConsumer(collector)
    }
    let aggregator = try SlabAggregator(
      channels: classes, window: window, padding: padding, importance: importance, consumer: export, threads: threads)
    let bandBytes = aggregator.bandBytes

    // Steps 6-9.
    let passes = settings.testTimeAugmentation ? Mirroring.testTimeAugmentationAxes : [[]]
    let scale = Float(1) / Float(passes.count)
    let origins = window.tileOrigins
    stage("predict")
    progress?(.tilesStarted(total: origins.count, passesPerTile: passes.count))
    var networkSeconds = 0.0
    var softmaxSeconds = 0.0
    var aggregateSeconds = 0.0
    for (index, origin) in origins.enumerated() {
      for (pass, axes) in passes.enumerated() {
        let tile = try TileExtraction.tile(of: volume, origin: origin, patch: settings.patchSize, flippedAlong: axes)
        var nextRow = 0
        var clock = Stopwatch()
        try predictor.predictRowSlabs(tile, maximumRows: settings.slabRows) { slab, rows in
          networkSeconds += clock.lap()
          guard rows.lowerBound == nextRow, !rows.isEmpty else {
            throw SegmentationError.outOfOrder(
              step: "tile prediction", detail: "the backend handed over rows \(rows) where row \(nextRow) was next")
          }
          nextRow = rows.upperBound
          guard slab.shape == [classes, rows.count, settings.patchSize[1], settings.patchSize[2]] else {
            throw SegmentationError.shapeMismatch(
              step: "tile prediction", expected: [classes, rows.count, settings.patchSize[1], settings.patchSize[2]],
              actual: slab.shape)
          }
          try ChannelSoftmax.apply(to: &slab, threads: threads)
          softmaxSeconds += clock.lap()
          try aggregator.add(
            tileProbabilities: slab, origin: origin, tileRows: rows, flippedAlong: axes, scale: scale, addsWeight: pass == 0)
          aggregateSeconds += clock.lap()
        }
        networkSeconds += clock.lap()
        guard nextRow == settings.patchSize[0] else {
          throw SegmentationError.outOfOrder(
            step: "tile prediction", detail: "the backend handed over \(nextRow) of \(settings.patchSize[0]) rows of a tile")
        }
      }
      progress?(.tileFinished(done: index + 1, total: origins.count))
    }
    var clock = Stopwatch()
    try aggregator.finish()
    aggregateSeconds += clock.lap()
    volume = Tensor(shape: [0], data: [])
    _ = watch.lap()
    stages.append(StageTiming(name: "network", seconds: networkSeconds))
    stages.append(StageTiming(name: "softmax", seconds: softmaxSeconds))
    stages.append(StageTiming(name: "aggregate", seconds: aggregateSeconds - export.seconds))

    // Step 10.
    var labels: Tensor
    if let resampledArgmax {
      labels = try resampledArgmax.labels()
      stages.append(StageTiming(name: "resample back + argmax", seconds: export.seconds))
    } else if let argmax {
      labels = argmax.labels
      stages.append(StageTiming(name: "argmax", seconds: export.seconds))
      if !back.isIdentity {
        stage("resample labels back")
        labels = try LabelResampling.resize(labels, plan: back, threads: threads)
        done("resample labels back")
      }
    } else {
      throw SegmentationError.outOfOrder(step: "segmentation", detail: "no export consumer was set up")
    }

    stage("paste")
    if box.shape != originalShape { labels = try box.paste(labels, intoZerosOf: originalShape) }
    if settings.labelOrder != .stunet { Self.renumber(&labels, to: settings.labelOrder) }
    labels.dtype = classes <= 256 ? .u8 : .i32
    let present = Self.distinctLabels(labels)
    done("paste")

    let report = PipelineReport(
      mode: settings.mode, testTimeAugmentation: settings.testTimeAugmentation, originalShape: originalShape,
      originalSpacing: spacing, cropBox: box, nonFiniteCount: nonFinite, resampling: forward, resamplingBack: back,
      paddedShape: padding.paddedShape, tileStarts: window.starts, tileCount: origins.count,
      passesPerTile: passes.count, usesImportanceMap: importance != nil, classes: classes,
      aggregationBandBytes: bandBytes, labelsPresent: present, stages: stages,
      peakResidentBytes: ProcessMemory.peakResidentBytes)
    return SegmentationResult(labels: labels, report: report)
  }

  static func renumber(_ labels: inout Tensor, to order: LabelOrder) {
    let table = (0..<LabelMaps.stunetToTotalSegmentatorV1.count).map { Float(LabelMaps.renumber($0, to: order)) }
    labels.data.withUnsafeMutableBufferPointer { values in
      for index in values.indices {
        let label = Int(values[index])
        if label >= 0 && label < table.count { values[index] = table[label] }
      }
    }
  }

  static func distinctLabels(_ labels: Tensor) -> [Int] {
    var seen = Set<Int>()
    labels.data.withUnsafeBufferPointer { values in
      var previous = Float.nan
      for value in values where value != previous {
        previous = value
        seen.insert(Int(value))
      }
    }
    return seen.sorted()
  }
}
