// Bounded-memory aggregation (issue 6 item 4): the same sums and weights as
// `ProbabilityAggregator`, but held only for a band of patch[0] rows along axis 0, in a ring.
// Tiles arrive in nnU-Net's nested order (axis 0 outermost), so once a tile starting at row s
// arrives, no later tile touches rows < s: those rows are divided by their weights, handed to a
// `ProbabilityRowConsumer` without the padding, and their ring slots cleared for reuse. The adds per
// voxel happen in the same order as nnU-Net's, so the results are bit-identical to the whole-volume
// aggregator. Memory: (C + 1) * patch[0] * H * W floats for the padded grid's H, W, plus one row
// (2.70 GB for 105 classes on ts_example_ct's 224 x 202 x 244 grid, against 2 x 4.6 GB in nnU-Net).
// Tiles may be handed over whole or in row slabs, and mirrored passes may be added directly, so the
// caller never needs a second tile-sized buffer.
import TensorCore

public final class SlabAggregator {
  public let channels: Int
  public let window: SlidingWindow
  public let padding: CentredPadding
  private let consumer: ProbabilityRowConsumer
  private let importance: [Float]?
  private let ringRows: Int
  private let threads: Int
  /// [ringRows][C][H][W] sums and [ringRows][H][W] weights of the padded grid.
  private let sums: UnsafeMutablePointer<Float>
  private let weights: UnsafeMutablePointer<Float>
  /// [C][h][w] scratch for one finished, unpadded row.
  private let rowBuffer: UnsafeMutablePointer<Float>
  /// All padded rows below this one have been emitted.
  private var nextRow = 0
  private var lastStart = 0
  /// Tile rows whose weights were added, to check `finish` comes after every tile.
  private var weightRowsAdded = 0

  /// Bytes held by the band buffers (sums, weights and the row scratch).
  public let bandBytes: Int

  public init(
    channels: Int, window: SlidingWindow, padding: CentredPadding, importance: Tensor?,
    consumer: ProbabilityRowConsumer, threads: Int = ParallelLoop.defaultThreadCount
  ) throws {
    let step = "slab aggregation"
    guard channels > 0 else {
      throw SegmentationError.invalidParameter(step: step, name: "channels", value: "\(channels)", expected: "> 0")
    }
    guard padding.paddedShape == window.shape else {
      throw SegmentationError.shapeMismatch(step: step, expected: window.shape, actual: padding.paddedShape)
    }
    if let importance, importance.shape != window.patch {
      throw SegmentationError.shapeMismatch(step: step, expected: window.patch, actual: importance.shape)
    }
    let plane = window.shape[1] * window.shape[2]
    let rows = min(window.patch[0], window.shape[0])
    let sumCount = try VolumeShape.multiply(try VolumeShape.multiply(plane, channels, step: step), rows, step: step)
    let rowCount = try VolumeShape.multiply(padding.originalShape[1] * padding.originalShape[2], channels, step: step)
    self.channels = channels
    self.window = window
    self.padding = padding
    self.consumer = consumer
    self.importance = importance?.data
    self.ringRows = rows
    self.threads = threads
    sums = .allocate(capacity: sumCount)
    sums.initialize(repeating: 0, count: sumCount)
    weights = .allocate(capacity: rows * plane)
    weights.initialize(repeating: 0, count: rows * plane)
    rowBuffer = .allocate(capacity: max(rowCount, 1))
    bandBytes = (sumCount + rows * plane + rowCount) * MemoryLayout<Float>.size
  }

  deinit {
    sums.deallocate()
    weights.deallocate()
    rowBuffer.deallocate()
  }

  /// Adds one tile of probabilities [C, p0, p1, p2] at `origin` (padded grid). Tiles must come in
  /// nondecreasing axis-0 order; rows before `origin[0]` are finished and emitted first.
  public func add(tileProbabilities tile: Tensor, origin: [Int]) throws {
    try add(tileProbabilities: tile, origin: origin, tileRows: 0..<window.patch[0], flippedAlong: [], scale: 1, addsWeight: true)
  }

  /// The general form: sums += importance * (scale * flip(tile, axes)), and weights += importance
  /// when `addsWeight`.
  /// - `tileRows`: the rows along axis 0 of the (possibly flipped) prediction that `tile` holds, as
  ///   [C, tileRows.count, p1, p2]; a backend that produces a tile's probabilities in slabs can hand
  ///   them over slab by slab and never hold a whole 105-channel tile.
  /// - Test-time mirroring: calling this once per pass (scale 1/8, `addsWeight` on the first pass
  ///   only) needs no separate tile buffer, at the price of adding the eight passes in a different
  ///   order from nnU-Net (rounding-level differences). Without flips and with scale 1 the result is
  ///   bit-identical to nnU-Net's order.
  public func add(
    tileProbabilities tile: Tensor, origin: [Int], tileRows: Range<Int>, flippedAlong axes: [Int], scale: Float,
    addsWeight: Bool
  ) throws {
    let step = "slab aggregation"
    let patch = window.patch
    let shape = window.shape
    guard tileRows.lowerBound >= 0, tileRows.upperBound <= patch[0], !tileRows.isEmpty,
      tile.shape == [channels, tileRows.count, patch[1], patch[2]]
    else {
      throw SegmentationError.shapeMismatch(
        step: step, expected: [channels, tileRows.count, patch[1], patch[2]], actual: tile.shape)
    }
    guard origin.count == 3, (0..<3).allSatisfy({ origin[$0] >= 0 && origin[$0] + patch[$0] <= shape[$0] }) else {
      throw SegmentationError.outOfBounds(step: step, detail: "tile at \(origin) leaves the grid \(shape)")
    }
    guard axes.allSatisfy({ (0..<3).contains($0) }) else {
      throw SegmentationError.invalidParameter(step: step, name: "axes", value: "\(axes)", expected: "spatial axes among 0, 1, 2")
    }
    guard origin[0] >= lastStart else {
      throw SegmentationError.outOfOrder(
        step: step, detail: "tile at \(origin) comes after a tile starting at row \(lastStart); add tiles axis 0 outermost")
    }
    try emitRows(upTo: origin[0])
    lastStart = origin[0]
    if addsWeight { weightRowsAdded += tileRows.count }

    let plane = shape[1] * shape[2]
    let (flipK, flipJ, flipI) = (axes.contains(0), axes.contains(1), axes.contains(2))
    // Tile rows in target (unflipped) coordinates.
    let targetRows = flipK ? (patch[0] - tileRows.upperBound)..<(patch[0] - tileRows.lowerBound) : tileRows
    let slabVolume = tileRows.count * patch[1] * patch[2]
    let channels = self.channels
    let ringRows = self.ringRows
    let sums = self.sums
    let weights = self.weights
    tile.data.withUnsafeBufferPointer { tileValues in
      guard let tileBase = tileValues.baseAddress else { return }
      let importance = self.importance
      importance.withOptionalPointer { gaussian in
        let jobs = targetRows.count * (channels + (addsWeight ? 1 : 0))
        ParallelLoop.forRanges(jobs, threads: threads) { range in
          for job in range {
            let (channel, rowIndex) = job.quotientAndRemainder(dividingBy: targetRows.count)
            let k = targetRows.lowerBound + rowIndex
            let slot = (origin[0] + k) % ringRows
            let slabRow = (flipK ? patch[0] - 1 - k : k) - tileRows.lowerBound
            for j in 0..<patch[1] {
              let gridOffset = (origin[1] + j) * shape[2] + origin[2]
              let patchRow = (k * patch[1] + j) * patch[2]
              let width = patch[2]
              if channel == channels {
                let target = weights + slot * plane + gridOffset
                if let gaussian {
                  for i in 0..<width { target[i] += gaussian[patchRow + i] }
                } else {
                  for i in 0..<width { target[i] += 1 }
                }
                continue
              }
              let target = sums + (slot * channels + channel) * plane + gridOffset
              let sourceJ = flipJ ? patch[1] - 1 - j : j
              let source = tileBase + channel * slabVolume + (slabRow * patch[1] + sourceJ) * width
              switch (gaussian, flipI) {
              case (let gaussian?, false):
                let g = gaussian + patchRow
                for i in 0..<width { target[i] += (scale * source[i]) * g[i] }
              case (let gaussian?, true):
                let g = gaussian + patchRow
                let last = source + width - 1
                for i in 0..<width { target[i] += (scale * last[-i]) * g[i] }
              case (nil, false):
                for i in 0..<width { target[i] += scale * source[i] }
              case (nil, true):
                let last = source + width - 1
                for i in 0..<width { target[i] += scale * last[-i] }
              }
            }
          }
        }
      }
    }
  }

  /// Emits every remaining row; call after the last tile.
  public func finish() throws {
    let expected = window.tileCount * window.patch[0]
    guard weightRowsAdded == expected else {
      throw SegmentationError.outOfOrder(
        step: "slab aggregation",
        detail: "finish after \(weightRowsAdded / window.patch[0]) of \(window.tileCount) tiles' weights were added")
    }
    try emitRows(upTo: window.shape[0])
  }

  /// Divides, emits (unpadded rows only) and clears the padded rows in nextRow..<limit.
  private func emitRows(upTo limit: Int) throws {
    let shape = window.shape
    let plane = shape[1] * shape[2]
    let out = padding.originalShape
    let outPlane = out[1] * out[2]
    while nextRow < limit {
      let slot = nextRow % ringRows
      let sumRow = sums + slot * channels * plane
      let weightRow = weights + slot * plane
      let unpadded = nextRow - padding.below[0]
      if (0..<out[0]).contains(unpadded) {
        let channels = self.channels
        let rowBuffer = self.rowBuffer
        let below = padding.below
        ParallelLoop.forRanges(channels * out[1], threads: threads, minimumPerWorker: 8) { lines in
          for line in lines {
            let (channel, j) = line.quotientAndRemainder(dividingBy: out[1])
            let read = (below[1] + j) * shape[2] + below[2]
            let sourceSums = sumRow + channel * plane + read
            let sourceWeights = weightRow + read
            let target = rowBuffer + channel * outPlane + j * out[2]
            for i in 0..<out[2] { target[i] = sourceSums[i] / sourceWeights[i] }
          }
        }
        try consumer.consume(row: unpadded, probabilities: UnsafeBufferPointer(start: rowBuffer, count: channels * outPlane))
      }
      sumRow.update(repeating: 0, count: channels * plane)
      weightRow.update(repeating: 0, count: plane)
      nextRow += 1
    }
  }
}

extension Optional where Wrapped == [Float] {
  /// Calls `body` with a pointer to the array's storage, or nil.
  fileprivate func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    switch self {
    case .some(let array): return try array.withUnsafeBufferPointer { try body($0.baseAddress) }
    case .none: return try body(nil)
    }
  }
}
