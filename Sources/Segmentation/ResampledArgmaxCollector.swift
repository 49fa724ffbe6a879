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
  private let rowInput: UnsafeMutablePointer<Double>
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
    let inPlane = try VolumeShape.multiply(input[1] * input[2], channels, step: step)
    let middle = try VolumeShape.multiply(output[1] * input[2], channels, step: step)
    window = .allocate(capacity: 2 * outPlane)
    inPlaneScratch = .allocate(capacity: max(middle, 1))
    rowInput = .allocate(capacity: inPlane)
    labelValues = [Float](repeating: 0, count: try VolumeShape.checkedCount(output, step: step))
  }

  deinit {
    window.deallocate()
    inPlaneScratch.deallocate()
    rowInput.deallocate()
  }

  public func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws {
    let input = plan.inputShape
    let output = plan.outputShape
    guard row == nextInputRow, row < input[0], probabilities.count == channels * input[1] * input[2] else {
      throw SegmentationError.outOfOrder(
        step: "resampled argmax", detail: "got row \(row) of \(probabilities.count) values; expected row \(nextInputRow) of [\(channels), \(input[1]), \(input[2])]")
    }
    nextInputRow += 1
    for index in 0..<probabilities.count { rowInput[index] = Double(probabilities[index]) }
    let outPlane = output[1] * output[2]
    let slot = window + (row % 2) * channels * outPlane
    // In-plane: [C, H, W] -> [C, H0, W] -> [C, H0, W0].
    alongRows.apply(input: rowInput, output: inPlaneScratch, outer: channels, inner: input[2], threads: threads)
    alongColumns.apply(input: inPlaneScratch, output: slot, outer: channels * output[1], inner: 1, threads: threads)
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
      ParallelLoop.forRanges(outPlane, threads: threads, minimumPerWorker: 2048) { range in
        for voxel in range {
          var best = Float(w0 * rowA[voxel] + w1 * rowB[voxel])
          var label = 0
          for channel in 1..<channels {
            let offset = channel * outPlane + voxel
            let value = Float(w0 * rowA[offset] + w1 * rowB[offset])
            if value > best {
              best = value
              label = channel
            }
          }
          target[voxel] = Float(label)
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
