// nnU-Net v1's resize_segmentation with order 1 (STUNET.md §7 step 10, fast mode): each label is
// one-hot encoded, resized linearly (half-pixel-centred, edge clamped), and set where the result is
// >= 0.5, in ascending label order so higher labels overwrite; voxels no label reaches stay 0.
// The linear resize of a one-hot mask at an output voxel is the summed weight of the source corners
// holding that label, so one pass over the output with at most eight (label, weight) pairs per voxel
// gives the same map without one volume per label. Under the separate-axis rule the coarse axis is
// resampled with order 0 (one corner along it, weight 1), as nnU-Net's slice-wise resize followed
// by map_coordinates(order=0) does.
import TensorCore

public enum LabelResampling {
  /// Resizes a [D, H, W] label map (exact small integers stored as Float) with `plan`.
  public static func resize(
    _ labels: Tensor, plan: ResamplingPlan, threads: Int = ParallelLoop.defaultThreadCount
  ) throws -> Tensor {
    let step = "label resampling"
    let shape = try VolumeShape.spatial(of: labels, step: step)
    guard shape == plan.inputShape else {
      throw SegmentationError.shapeMismatch(step: step, expected: plan.inputShape, actual: shape)
    }
    if plan.isIdentity { return labels }
    let outShape = plan.outputShape
    let outputCount = try VolumeShape.checkedCount(outShape, step: step)
    let axes = (0..<3).map {
      AxisInterpolation(
        inputLength: shape[$0], outputLength: outShape[$0], order: plan.order(alongAxis: $0, inPlane: .linear))
    }
    // Per axis and output index: up to two (source index, weight) taps.
    let taps = axes.map { Taps($0) }
    var output = [Float](repeating: 0, count: outputCount)
    labels.data.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        ParallelLoop.forRanges(outShape[0] * outShape[1], threads: threads) { rows in
          var votes = LabelVotes()
          defer { votes.deallocate() }
          for row in rows {
            let (k, j) = row.quotientAndRemainder(dividingBy: outShape[1])
            for i in 0..<outShape[2] {
              votes.reset()
              for a in 0..<taps[0].count {
                let (sourceK, weightK) = taps[0].tap(k, a)
                for b in 0..<taps[1].count {
                  let (sourceJ, weightJ) = taps[1].tap(j, b)
                  let rowBase = (sourceK * shape[1] + sourceJ) * shape[2]
                  for c in 0..<taps[2].count {
                    let (sourceI, weightI) = taps[2].tap(i, c)
                    votes.add(label: source[rowBase + sourceI], weight: weightK * weightJ * weightI)
                  }
                }
              }
              target[row * outShape[2] + i] = votes.highestLabelAtLeastHalf()
            }
          }
        }
      }
    }
    return Tensor(shape: outShape, data: output, dtype: labels.dtype)
  }

  /// The taps of one axis: order 0 has one, order 1 two (the second clamped to the line).
  private struct Taps {
    let count: Int
    let first: [Int]
    let weights: [Double]
    let limit: Int

    init(_ axis: AxisInterpolation) {
      count = axis.order.taps
      first = axis.firstSource
      weights = axis.weights
      limit = axis.inputLength
    }

    @inline(__always)
    func tap(_ output: Int, _ index: Int) -> (Int, Double) {
      let source = min(first[output] + index, limit - 1)
      return (source, weights[output * count + index])
    }
  }

  /// At most eight distinct labels with their summed weights, in storage owned by one worker.
  private struct LabelVotes {
    private let labels = UnsafeMutablePointer<Float>.allocate(capacity: 8)
    private let sums = UnsafeMutablePointer<Double>.allocate(capacity: 8)
    private var used = 0

    func deallocate() {
      labels.deallocate()
      sums.deallocate()
    }

    mutating func reset() { used = 0 }

    mutating func add(label: Float, weight: Double) {
      for slot in 0..<used where labels[slot] == label {
        sums[slot] += weight
        return
      }
      labels[used] = label
      sums[used] = weight
      used += 1
    }

    /// The largest label whose summed weight is >= 0.5, or 0.
    func highestLabelAtLeastHalf() -> Float {
      var best: Float = 0
      for slot in 0..<used where sums[slot] >= 0.5 && labels[slot] > best { best = labels[slot] }
      return best
    }
  }
}
