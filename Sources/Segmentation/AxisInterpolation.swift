// One separable resampling pass: interpolates along the middle axis of a row-major
// [outer, inputLength, inner] array of doubles, writing [outer, outputLength, inner].
// Sample positions follow scipy.ndimage.zoom with grid_mode=True (half-pixel-centred):
// output index k reads source coordinate (k + 0.5) * inputLength / outputLength - 0.5, with
// 'nearest' boundary handling (the coordinate is clamped to the line). Order 0 rounds halves up
// (floor(x + 0.5)), as map_coordinates does; order 1 is linear; order 3 evaluates the cubic
// B-spline of the prefiltered, edge-padded line. A tensor-product spline is separable, so three
// such passes reproduce the 3-D zoom up to double rounding.

struct AxisInterpolation {
  let inputLength: Int
  let outputLength: Int
  let order: InterpolationOrder
  /// First source sample per output index (for order 3, an index into the edge-padded line).
  let firstSource: [Int]
  /// `order.taps` weights per output index.
  let weights: [Double]

  init(inputLength: Int, outputLength: Int, order: InterpolationOrder) {
    self.inputLength = inputLength
    self.outputLength = outputLength
    self.order = order
    let taps = order.taps
    var firstSource = [Int](repeating: 0, count: outputLength)
    var weights = [Double](repeating: 0, count: outputLength * taps)
    let scale = Double(inputLength) / Double(outputLength)
    let last = Double(inputLength - 1)
    for k in 0..<outputLength {
      let coordinate = (Double(k) + 0.5) * scale - 0.5
      switch order {
      case .nearest:
        let clamped = min(max(coordinate, 0), last)
        firstSource[k] = min(Int((clamped + 0.5).rounded(.down)), inputLength - 1)
        weights[k] = 1
      case .linear:
        let clamped = min(max(coordinate, 0), last)
        let floorValue = clamped.rounded(.down)
        let fraction = clamped - floorValue
        let index = Int(floorValue)
        firstSource[k] = min(index, inputLength - 1)
        weights[2 * k] = 1 - fraction
        weights[2 * k + 1] = fraction
      case .cubic:
        let padded = coordinate + Double(CubicSplinePrefilter.edgePadding)
        let floorValue = padded.rounded(.down)
        let t = padded - floorValue
        firstSource[k] = Int(floorValue) - 1
        let oneMinus = 1 - t
        let w0 = oneMinus * oneMinus * oneMinus / 6
        let w1 = (4 - 6 * t * t + 3 * t * t * t) / 6
        let w3 = t * t * t / 6
        weights[4 * k] = w0
        weights[4 * k + 1] = w1
        weights[4 * k + 2] = 1 - w0 - w1 - w3
        weights[4 * k + 3] = w3
      }
    }
    self.firstSource = firstSource
    self.weights = weights
  }

  /// Source index of tap `tap` for output `k`, clamped to the line (only order 1 needs the clamp,
  /// at the far edge where the second tap has weight 0).
  @inline(__always)
  private static func clampedTap(_ index: Int, limit: Int) -> Int { index < limit ? index : limit - 1 }

  /// Runs the pass over `outer` slabs of `inputLength x inner` values, on up to `threads` threads.
  func apply(
    input: UnsafePointer<Double>, output: UnsafeMutablePointer<Double>, outer: Int, inner: Int, threads: Int
  ) {
    switch order {
    case .nearest, .linear: applyDirect(input: input, output: output, outer: outer, inner: inner, threads: threads)
    case .cubic: applyCubic(input: input, output: output, outer: outer, inner: inner, threads: threads)
    }
  }

  /// Orders 0 and 1 read float32 input directly (the conversion to double is exact).
  func apply(
    input: UnsafePointer<Float>, output: UnsafeMutablePointer<Double>, outer: Int, inner: Int, threads: Int
  ) {
    precondition(order != .cubic, "the cubic pass needs double input")
    applyDirect(input: input, output: output, outer: outer, inner: inner, threads: threads)
  }

  /// Orders 0 and 1: each output line is one or two weighted source lines. Work is split over
  /// slabs when there are enough of them, otherwise over the output lines of each slab.
  private func applyDirect<Source: BinaryFloatingPoint>(
    input: UnsafePointer<Source>, output: UnsafeMutablePointer<Double>, outer: Int, inner: Int, threads: Int
  ) {
    let (n, m) = (inputLength, outputLength)
    let isLinear = order == .linear
    firstSource.withUnsafeBufferPointer { first in
      weights.withUnsafeBufferPointer { weights in
        let bySlab = outer >= 4 * threads
        let jobs = bySlab ? outer : outer * m
        let perJob = bySlab ? m * inner : inner
        ParallelLoop.forRanges(jobs, threads: threads, minimumPerWorker: max(1, 8192 / max(perJob, 1))) { range in
          for job in range {
            let (slab, lines) = bySlab ? (job, 0..<m) : (job / m, (job % m)..<(job % m + 1))
            let base = input + slab * n * inner
            for k in lines {
              let target = output + (slab * m + k) * inner
              let source0 = base + first[k] * inner
              if isLinear {
                let w0 = weights[2 * k]
                let w1 = weights[2 * k + 1]
                let source1 = base + AxisInterpolation.clampedTap(first[k] + 1, limit: n) * inner
                for column in 0..<inner {
                  target[column] = w0 * Double(source0[column]) + w1 * Double(source1[column])
                }
              } else {
                for column in 0..<inner { target[column] = Double(source0[column]) }
              }
            }
          }
        }
      }
    }
  }

  private func applyCubic(
    input: UnsafePointer<Double>, output: UnsafeMutablePointer<Double>, outer: Int, inner: Int, threads: Int
  ) {
    let (n, m) = (inputLength, outputLength)
    let pad = CubicSplinePrefilter.edgePadding
    let paddedRows = n + 2 * pad
    let blockWidth = min(inner, 64)
    let blocksPerSlab = (inner + blockWidth - 1) / blockWidth
    firstSource.withUnsafeBufferPointer { first in
      weights.withUnsafeBufferPointer { weights in
        ParallelLoop.forRanges(outer * blocksPerSlab, threads: threads) { jobs in
          let block = UnsafeMutablePointer<Double>.allocate(capacity: paddedRows * blockWidth)
          let startValues = UnsafeMutablePointer<Double>.allocate(capacity: blockWidth)
          defer {
            block.deallocate()
            startValues.deallocate()
          }
          for job in jobs {
            let (slab, blockIndex) = job.quotientAndRemainder(dividingBy: blocksPerSlab)
            let column0 = blockIndex * blockWidth
            let width = min(blockWidth, inner - column0)
            let base = input + slab * n * inner + column0
            // Gather the block with `pad` edge copies above and below ([paddedRows][width]).
            for row in 0..<paddedRows {
              let sourceRow = min(max(row - pad, 0), n - 1)
              let source = base + sourceRow * inner
              let target = block + row * width
              for column in 0..<width { target[column] = source[column] }
            }
            CubicSplinePrefilter.filterColumns(block, rows: paddedRows, columns: width, startValues: startValues)
            let outBase = output + slab * m * inner + column0
            for k in 0..<m {
              let c0 = block + first[k] * width
              let c1 = c0 + width
              let c2 = c1 + width
              let c3 = c2 + width
              let w0 = weights[4 * k]
              let w1 = weights[4 * k + 1]
              let w2 = weights[4 * k + 2]
              let w3 = weights[4 * k + 3]
              let target = outBase + k * inner
              for column in 0..<width {
                target[column] = w0 * c0[column] + w1 * c1[column] + w2 * c2[column] + w3 * c3[column]
              }
            }
          }
        }
      }
    }
  }
}
