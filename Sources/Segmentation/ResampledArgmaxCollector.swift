// Normal mode, streamed (STUNET.md §7 step 10): probabilities at the target spacing are resampled
// back to the cropped original grid linearly (order 0 on the separate axis) and reduced by argmax,
// one row at a time as `SlabAggregator` finishes rows. Linear resampling is separable: each
// incoming row is resampled in-plane in double precision and kept in a two-row window; each output
// row along axis 0 is the linear (or nearest) combination of the one or two source rows it needs,
// cast to float32 as nnU-Net's export does, then reduced by argmax (first channel wins ties).
// skimage's clip to the input range is a no-op for linear interpolation after the float32 cast.
// Memory: two in-plane-resampled rows of C doubles per output voxel of a row, plus the labels.
import TensorCore

public final class ResampledArgmaxCollector: ProbabilityRowConsumer {
  public let channels: Int
  public let plan: ResamplingPlan
  private let threads: Int
  private let alongRows: AxisInterpolation
  private let alongColumns: AxisInterpolation
  private let alongDepth: AxisInterpolation
  /// Two in-plane-resampled rows [C][H0][W0] (slot = source row % 2) and a pass scratch.
  private let window: UnsafeMutablePointer<Double>
  private let inPlaneScratch: UnsafeMutablePointer<Double>
  private var windowRows: [Int] = [-1, -1]
  private var nextOutputRow = 0
  private var nextInputRow = 0
  private var labelValues: [Float]

  public init(channels: Int, plan: ResamplingPlan, threads: Int = ParallelLoop.defaultThreadCount) throws {
    let step = "resampled argmax"
    guard channels > 0 else {
      throw SegmentationError.invalidParameter(step: step, name: "channels", value: "\(channels)", expected: "> 0")
    }
    let input = plan.inputShape
    let output = plan.outputShape
    self.channels = channels
    self.plan = plan
    self.threads = threads
    alongDepth = AxisInterpolation(
      inputLength: input[0], outputLength: output[0], order: plan.order(alongAxis: 0, inPlane: .linear))
    alongRows = AxisInterpolation(
      inputLength: input[1], outputLength: output[1], order: plan.order(alongAxis: 1, inPlane: .linear))
    alongColumns = AxisInterpolation(
      inputLength: input[2], outputLength: output[2], order: plan.order(alongAxis: 2, inPlane: .linear))
    let outPlane = try VolumeShape.multiply(output[1] * output[2], channels, step: step)
    let middle = try VolumeShape.multiply(max(input[1] * output[2], output[1] * input[2]), channels, step: step)
    window = .allocate(capacity: 2 * outPlane)
    inPlaneScratch = .allocate(capacity: max(middle, 1))
    labelValues = [Float](repeating: 0, count: try VolumeShape.checkedCount(output, step: step))
  }

  deinit {
    window.deallocate()
    inPlaneScratch.deallocate()
  }

  public func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws {
    let input = plan.inputShape
    let output = plan.outputShape
    guard row == nextInputRow, row < input[0], probabilities.count == channels * input[1] * input[2] else {
      throw SegmentationError.outOfOrder(
        step: "resampled argmax", detail: "got row \(row) of \(probabilities.count) values; expected row \(nextInputRow) of [\(channels), \(input[1]), \(input[2])]")
    }
    guard let source = probabilities.baseAddress else { return }
    nextInputRow += 1
    let outPlane = output[1] * output[2]
    let slot = window + (row % 2) * channels * outPlane
    // In-plane, straight from float32. The axis-2 pass (lines with stride 1, no vectorisation) runs
    // on the smaller of the two possible intermediate grids.
    if output[1] <= input[1] {
      // [C, H, W] -> [C, H0, W] -> [C, H0, W0]
      alongRows.apply(input: source, output: inPlaneScratch, outer: channels, inner: input[2], threads: threads)
      alongColumns.apply(input: inPlaneScratch, output: slot, outer: channels * output[1], inner: 1, threads: threads)
    } else {
      // [C, H, W] -> [C, H, W0] -> [C, H0, W0]
      alongColumns.apply(input: source, output: inPlaneScratch, outer: channels * input[1], inner: 1, threads: threads)
      alongRows.apply(input: inPlaneScratch, output: slot, outer: channels, inner: output[2], threads: threads)
    }
    windowRows[row % 2] = row

    // Emit every output row whose source rows have all arrived.
    while nextOutputRow < output[0] {
      let k = nextOutputRow
      let first = alongDepth.firstSource[k]
      let linear = alongDepth.order == .linear
      let second = linear ? min(first + 1, input[0] - 1) : first
      guard second <= row else { break }
      emit(outputRow: k, first: first, second: second, linear: linear)
      nextOutputRow += 1
    }
  }

  private func emit(outputRow k: Int, first: Int, second: Int, linear: Bool) {
    let output = plan.outputShape
    let outPlane = output[1] * output[2]
    let rowA = window + (first % 2) * channels * outPlane
    let rowB = window + (second % 2) * channels * outPlane
    let w0 = linear ? alongDepth.weights[2 * k] : 1
    let w1 = linear ? alongDepth.weights[2 * k + 1] : 0
    let channels = self.channels
    labelValues.withUnsafeMutableBufferPointer { labels in
      guard let labelBase = labels.baseAddress else { return }
      let target = labelBase + k * outPlane
      let strip = 256
      ParallelLoop.forRanges((outPlane + strip - 1) / strip, threads: threads, minimumPerWorker: 8) { strips in
        let best = UnsafeMutablePointer<Float>.allocate(capacity: strip)
        defer { best.deallocate() }
        for stripIndex in strips {
          let first = stripIndex * strip
          let width = min(strip, outPlane - first)
          let a = rowA + first
          let b = rowB + first
          let labelsOut = target + first
          for v in 0..<width {
            best[v] = Float(w0 * a[v] + w1 * b[v])
            labelsOut[v] = 0
          }
          for channel in 1..<channels {
            let a = rowA + channel * outPlane + first
            let b = rowB + channel * outPlane + first
            let label = Float(channel)
            for v in 0..<width {
              let value = Float(w0 * a[v] + w1 * b[v])
              if value > best[v] {
                best[v] = value
                labelsOut[v] = label
              }
            }
          }
        }
      }
    }
  }

  /// The [D0, H0, W0] label map; throws unless every input row was consumed.
  public func labels() throws -> Tensor {
    guard nextOutputRow == plan.outputShape[0] else {
      throw SegmentationError.outOfOrder(
        step: "resampled argmax", detail: "only \(nextInputRow) of \(plan.inputShape[0]) rows were consumed")
    }
    return Tensor(shape: plan.outputShape, data: labelValues, dtype: channels <= 256 ? .u8 : .i32)
  }
}
