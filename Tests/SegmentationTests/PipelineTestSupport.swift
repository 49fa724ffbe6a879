// Test doubles and a whole-volume reference for the SegmentationPipeline tests: a predictor whose
// logits depend on intensity and on the position inside the tile (so misplaced, unweighted or
// unflipped tiles change the labels), and the pipeline recomposed from the separately tested step
// functions with whole-volume arrays (ProbabilityAggregator, Resampling.resampleProbabilities,
// ChannelArgmax) instead of the streamed, bounded-memory path.
import Foundation
import Segmentation
import TensorCore

/// logit_c = a_c * x + b_c * sin(0.37 k + c) + d_c * cos(0.23 j - 0.11 c i), tile-local (k, j, i).
final class PositionalTilePredictor: TilePredictor {
  let classes: Int
  private(set) var calls = 0

  init(classes: Int) { self.classes = classes }

  func predict(_ tile: Tensor) throws -> Tensor {
    calls += 1
    let patch = Array(tile.shape[2...])
    let volume = patch.reduce(1, *)
    var logits = [Float](repeating: 0, count: classes * volume)
    for c in 0..<classes {
      let a = Float(c % 3) - 1
      let b = 0.5 + 0.1 * Float(c)
      let d = 0.8 - 0.05 * Float(c)
      for k in 0..<patch[0] {
        for j in 0..<patch[1] {
          for i in 0..<patch[2] {
            let voxel = (k * patch[1] + j) * patch[2] + i
            let x = tile.data[voxel]
            logits[c * volume + voxel] =
              a * x + b * Float(sin(0.37 * Double(k) + Double(c)))
              + d * Float(cos(0.23 * Double(j) - 0.11 * Double(c) * Double(i)))
          }
        }
      }
    }
    return Tensor(shape: [1, classes] + patch, data: logits)
  }
}

/// Predicts one fixed class everywhere (logit 5 for it, 0 for the others).
final class ConstantClassPredictor: TilePredictor {
  let classes: Int
  let winner: Int

  init(classes: Int, winner: Int) {
    self.classes = classes
    self.winner = winner
  }

  func predict(_ tile: Tensor) throws -> Tensor {
    let volume = tile.shape[2...].reduce(1, *)
    var logits = [Float](repeating: 0, count: classes * volume)
    for voxel in 0..<volume { logits[winner * volume + voxel] = 5 }
    return Tensor(shape: [1, classes] + Array(tile.shape[2...]), data: logits)
  }
}

/// A backend that breaks the slab contract in a chosen way.
final class MisbehavingPredictor: TilePredictor {
  enum Fault { case wrongClassCount, skipsRows, outOfOrder }
  let classes = 3
  let fault: Fault

  init(_ fault: Fault) { self.fault = fault }

  func predict(_ tile: Tensor) throws -> Tensor {
    let patch = Array(tile.shape[2...])
    let channels = fault == .wrongClassCount ? 2 : classes
    return Tensor(shape: [1, channels] + patch, data: [Float](repeating: 0, count: channels * patch.reduce(1, *)))
  }

  func predictRowSlabs(
    _ tile: Tensor, maximumRows: Int, _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    let patch = Array(tile.shape[2...])
    let plane = patch[1] * patch[2]
    func slab(_ rows: Range<Int>) -> Tensor {
      Tensor(shape: [classes, rows.count, patch[1], patch[2]], data: [Float](repeating: 0, count: classes * rows.count * plane))
    }
    switch fault {
    case .wrongClassCount:
      var logits = try predict(tile)
      logits.shape = Array(logits.shape.dropFirst())
      try body(&logits, 0..<patch[0])
    case .skipsRows:
      var first = slab(0..<1)
      try body(&first, 0..<1)
    case .outOfOrder:
      var second = slab(1..<patch[0])
      try body(&second, 1..<patch[0])
    }
  }
}

enum ReferencePipeline {
  /// The same run as SegmentationPipeline, from the step functions on whole volumes.
  static func labels(
    image: Tensor, spacing: [Double], settings: SegmentationConfiguration, predictor: TilePredictor
  ) throws -> Tensor {
    let box = try CropBox.nonzeroBox(of: image)
    var cropped = try box.crop(image)
    NonFiniteValues.replaceWithZero(in: &cropped)
    let forward = try ResamplingPlan.toTargetSpacing(
      shape: cropped.shape, spacing: spacing, targetSpacing: settings.targetSpacing)
    var resampled = try Resampling.resampleImage(cropped, plan: forward)
    try settings.normalization.apply(to: &resampled)
    let padding = try CentredPadding(shape: resampled.shape, minimumShape: settings.patchSize)
    let padded = try padding.pad(resampled)
    let window = try SlidingWindow(shape: padded.shape, patch: settings.patchSize, stepFraction: settings.stepFraction)
    let importance = window.tileCount > 1 ? try GaussianImportanceMap.make(patch: settings.patchSize) : nil
    let aggregator = try ProbabilityAggregator(channels: predictor.classes, window: window, importance: importance)
    let passes = settings.testTimeAugmentation ? Mirroring.testTimeAugmentationAxes : [[]]
    let patch = settings.patchSize
    for origin in window.tileOrigins {
      let tile = cut(padded, origin: origin, patch: patch)
      var mean = Tensor(zeros: [predictor.classes] + patch)
      for axes in passes {
        let flipped = try Mirroring.flip(tile, spatialAxes: axes)
        var logits = try predictor.predict(try flipped.reshaped([1, 1] + patch))
        logits = try logits.reshaped([predictor.classes] + patch)
        try ChannelSoftmax.apply(to: &logits)
        if passes.count == 1 {
          mean = logits
        } else {
          try Mirroring.accumulate(logits, flippedAlong: axes, weight: 1 / Float(passes.count), into: &mean)
        }
      }
      try aggregator.add(tileProbabilities: mean, origin: origin)
    }
    let probabilities = try aggregator.probabilities(removing: padding)
    let back = try ResamplingPlan.backToOriginal(
      resampledShape: forward.outputShape, originalShape: cropped.shape, originalSpacing: spacing,
      targetSpacing: settings.targetSpacing)
    var labels: Tensor
    switch settings.mode {
    case .normal:
      labels = try ChannelArgmax.labels(of: try Resampling.resampleProbabilities(probabilities, plan: back))
    case .fast:
      labels = try LabelResampling.resize(try ChannelArgmax.labels(of: probabilities), plan: back)
    }
    return try box.paste(labels, intoZerosOf: image.shape)
  }

  /// The [p0, p1, p2] box at `origin`, by plain indexing.
  static func cut(_ volume: Tensor, origin: [Int], patch: [Int]) -> Tensor {
    let shape = volume.shape
    var values: [Float] = []
    values.reserveCapacity(patch.reduce(1, *))
    for k in 0..<patch[0] {
      for j in 0..<patch[1] {
        for i in 0..<patch[2] {
          values.append(volume.data[((origin[0] + k) * shape[1] + origin[1] + j) * shape[2] + origin[2] + i])
        }
      }
    }
    return Tensor(shape: patch, data: values)
  }
}

/// A CT-like test volume [D, H, W]: smooth structures in HU, a zero border on some faces.
func testVolume(shape: [Int], zeroBorder: Int = 2) -> Tensor {
  var values = [Float](repeating: 0, count: shape.reduce(1, *))
  for k in 0..<shape[0] {
    for j in 0..<shape[1] {
      for i in 0..<shape[2] {
        let inside = k >= zeroBorder && j >= zeroBorder && i < shape[2] - zeroBorder
        guard inside else { continue }
        let z = Double(k) / Double(shape[0])
        let y = Double(j) / Double(shape[1])
        let x = Double(i) / Double(shape[2])
        let value = -200 + 600 * sin(3 * x + 1) * cos(2 * y) + 300 * z + 40 * sin(17 * x * y + 5 * z)
        values[(k * shape[1] + j) * shape[2] + i] = Float(value)
      }
    }
  }
  return Tensor(shape: shape, data: values)
}
