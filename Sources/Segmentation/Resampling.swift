// nnU-Net v1's resample_data_or_seg for images and probability maps (STUNET.md §7 steps 3 and 10):
// per channel, in double precision, each axis resampled by a separable pass (cubic B-spline for
// images as skimage.transform.resize(order=3, mode='edge', anti_aliasing=False) computes it
// through scipy.ndimage.zoom; linear for probabilities), clipped to the input's range as skimage's
// clip=True does, and cast back to float32. Under the separate-axis rule the two in-plane axes are
// resampled first and clipped per slice (nnU-Net resizes each slice as a 2-D image), then the coarse
// axis is resampled with order 0.
import TensorCore

public enum Resampling {
  /// Images: cubic in-plane (order 3 B-spline with prefilter), order 0 on the plan's separate axis.
  /// Accepts a [D, H, W] volume or a [C, D, H, W] stack (channels resampled independently).
  public static func resampleImage(
    _ image: Tensor, plan: ResamplingPlan, threads: Int = ParallelLoop.defaultThreadCount
  ) throws -> Tensor {
    try resample(image, plan: plan, order: .cubic, threads: threads)
  }

  /// Probability maps going back to the original grid: linear, order 0 on the separate axis.
  public static func resampleProbabilities(
    _ probabilities: Tensor, plan: ResamplingPlan, threads: Int = ParallelLoop.defaultThreadCount
  ) throws -> Tensor {
    try resample(probabilities, plan: plan, order: .linear, threads: threads)
  }

  /// Resamples every channel of `tensor` from `plan.inputShape` to `plan.outputShape` with `order`
  /// on the in-plane axes (all axes when the plan has no separate axis).
  public static func resample(
    _ tensor: Tensor, plan: ResamplingPlan, order: InterpolationOrder, threads: Int = ParallelLoop.defaultThreadCount
  ) throws -> Tensor {
    let step = "resampling"
    let (channels, spatial) = try VolumeShape.channelsAndSpatial(of: tensor, step: step)
    guard spatial == plan.inputShape else {
      throw SegmentationError.shapeMismatch(step: step, expected: plan.inputShape, actual: spatial)
    }
    if plan.isIdentity { return tensor }
    let inputCount = try VolumeShape.checkedCount(plan.inputShape, step: step)
    let outputCount = try VolumeShape.checkedCount(plan.outputShape, step: step)
    let total = try VolumeShape.multiply(outputCount, channels, step: step)
    let resampler = ChannelResampler(plan: plan, order: order, threads: threads)
    var output = [Float](repeating: 0, count: total)
    tensor.data.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress else { return }
        for channel in 0..<channels {
          resampler.run(input: sourceBase + channel * inputCount, output: targetBase + channel * outputCount)
        }
      }
    }
    let outShape = tensor.rank == 4 ? [channels] + plan.outputShape : plan.outputShape
    return Tensor(shape: outShape, data: output, dtype: tensor.dtype)
  }
}

/// Resamples one channel; owns its double-precision scratch so a stack of channels reuses it.
final class ChannelResampler {
  private let plan: ResamplingPlan
  private let order: InterpolationOrder
  private let threads: Int
  /// (axis, interpolation) for the in-plane passes, in the order they run.
  private let inPlanePasses: [(axis: Int, interpolation: AxisInterpolation)]
  private let separatePass: AxisInterpolation?
  /// Two double buffers, each large enough for every intermediate grid, reused for every channel.
  private let scratchA: UnsafeMutablePointer<Double>
  private let scratchB: UnsafeMutablePointer<Double>

  init(plan: ResamplingPlan, order: InterpolationOrder, threads: Int) {
    self.plan = plan
    self.order = order
    self.threads = threads
    var passes: [(Int, AxisInterpolation)] = []
    var shape = plan.inputShape
    var largest = shape.reduce(1, *)
    for axis in 0..<3 where axis != plan.separateAxis && shape[axis] != plan.outputShape[axis] {
      passes.append((axis, AxisInterpolation(inputLength: shape[axis], outputLength: plan.outputShape[axis], order: order)))
      shape[axis] = plan.outputShape[axis]
      largest = max(largest, shape.reduce(1, *))
    }
    inPlanePasses = passes
    if let axis = plan.separateAxis, shape[axis] != plan.outputShape[axis] {
      separatePass = AxisInterpolation(inputLength: shape[axis], outputLength: plan.outputShape[axis], order: .nearest)
      largest = max(largest, plan.outputShape.reduce(1, *))
    } else {
      separatePass = nil
    }
    scratchA = .allocate(capacity: largest)
    scratchB = .allocate(capacity: largest)
  }

  deinit {
    scratchA.deallocate()
    scratchB.deallocate()
  }

  /// Reads `plan.inputShape` floats from `input`, writes `plan.outputShape` floats to `output`.
  func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let inputCount = plan.inputShape.reduce(1, *)
    var current = scratchA
    var spare = scratchB
    for index in 0..<inputCount { current[index] = Double(input[index]) }

    var shape = plan.inputShape
    for (axis, interpolation) in inPlanePasses {
      let (outer, inner) = Self.outerInner(shape, axis: axis)
      interpolation.apply(input: current, output: spare, outer: outer, inner: inner, threads: threads)
      swap(&current, &spare)
      shape[axis] = interpolation.outputLength
    }
    let count = shape.reduce(1, *)
    if let axis = plan.separateAxis {
      // Each slice across the coarse axis was resized as its own 2-D image: clip per slice.
      let (outer, inner) = Self.outerInner(shape, axis: axis)
      let (sliceMin, sliceMax) = Self.sliceRanges(input, shape: plan.inputShape, axis: axis)
      let slices = shape[axis]
      for slab in 0..<outer {
        for slice in 0..<slices {
          let base = current + (slab * slices + slice) * inner
          let (low, high) = (sliceMin[slice], sliceMax[slice])
          for column in 0..<inner { base[column] = min(max(base[column], low), high) }
        }
      }
      if let pass = separatePass {
        pass.apply(input: current, output: spare, outer: outer, inner: inner, threads: threads)
        swap(&current, &spare)
        shape[axis] = pass.outputLength
      }
    } else {
      let (low, high) = Self.range(input, count: inputCount)
      for index in 0..<count { current[index] = min(max(current[index], low), high) }
    }
    let outputCount = shape.reduce(1, *)
    for index in 0..<outputCount { output[index] = Float(current[index]) }
  }

  /// The array seen as [outer, shape[axis], inner].
  static func outerInner(_ shape: [Int], axis: Int) -> (outer: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[(axis + 1)...].reduce(1, *))
  }

  /// Minimum and maximum ignoring NaN (skimage falls back to nanmin/nanmax).
  static func range(_ values: UnsafePointer<Float>, count: Int) -> (Double, Double) {
    var low = Double.infinity
    var high = -Double.infinity
    for index in 0..<count where !values[index].isNaN {
      let value = Double(values[index])
      low = min(low, value)
      high = max(high, value)
    }
    return low <= high ? (low, high) : (-.infinity, .infinity)
  }

  /// Per-slice minimum and maximum across `axis`.
  static func sliceRanges(_ values: UnsafePointer<Float>, shape: [Int], axis: Int) -> ([Double], [Double]) {
    let (outer, inner) = outerInner(shape, axis: axis)
    let slices = shape[axis]
    var low = [Double](repeating: .infinity, count: slices)
    var high = [Double](repeating: -.infinity, count: slices)
    for slab in 0..<outer {
      for slice in 0..<slices {
        let base = values + (slab * slices + slice) * inner
        var sliceLow = low[slice]
        var sliceHigh = high[slice]
        for column in 0..<inner where !base[column].isNaN {
          let value = Double(base[column])
          sliceLow = min(sliceLow, value)
          sliceHigh = max(sliceHigh, value)
        }
        low[slice] = sliceLow
        high[slice] = sliceHigh
      }
    }
    for slice in 0..<slices where low[slice] > high[slice] {
      low[slice] = -.infinity
      high[slice] = .infinity
    }
    return (low, high)
  }
}
