// Bounded-memory aggregation (issue 6 item 4): the same sums and weights as
// `ProbabilityAggregator`, but held only for a band of patch[0] rows along axis 0, in a ring.
// Tiles arrive in nnU-Net's nested order (axis 0 outermost), so once a tile starting at row s
// arrives, no later tile touches rows < s: those rows are divided by their weights, handed to a
// `ProbabilityRowConsumer` without the padding, and their ring slots cleared for reuse. The adds per
// voxel happen in the same order as nnU-Net's, so the results are bit-identical to the whole-volume
// aggregator. Memory: (C + 1) * patch[0] * H * W floats for the padded grid's H, W, plus one row.
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
  private var tilesAdded = 0

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
    try add(tileProbabilities: tile, origin: origin, flippedAlong: [], scale: 1, addsWeight: true)
  }

  /// The general form: sums += importance * (scale * flip(tile, axes)), and weights += importance
  /// when `addsWeight`. With test-time mirroring, calling it once per pass (scale 1/8, weights on
  /// the first pass only) needs no separate tile buffer, at the price of adding the eight passes
  /// in a different order from nnU-Net (rounding-level differences).
  public func add(
    tileProbabilities tile: Tensor, origin: [Int], flippedAlong axes: [Int], scale: Float, addsWeight: Bool
  ) throws {
    let step = "slab aggregation"
    let patch = window.patch
    let shape = window.shape
    guard tile.shape == [channels] + patch else {
      throw SegmentationError.shapeMismatch(step: step, expected: [channels] + patch, actual: tile.shape)
    }
    guard origin.count == 3, (0..<3).allSatisfy({ origin[$0] >= 0 && origin[$0] + patch[$0] <= shape[$0] }) else {
      throw SegmentationError.outOfBounds(step: step, detail: "tile at \(origin) leaves the grid \(shape)")
    }
    guard origin[0] >= lastStart else {
      throw SegmentationError.outOfOrder(
        step: step, detail: "tile at \(origin) comes after a tile starting at row \(lastStart); add tiles axis 0 outermost")
    }
    try emitRows(upTo: origin[0])
    lastStart = origin[0]
    if addsWeight { tilesAdded += 1 }

    let plane = shape[1] * shape[2]
    let patchVolume = patch.reduce(1, *)
    let flips = FlippedIndexing(shape: patch, axes: axes)
    let channels = self.channels
    let ringRows = self.ringRows
    let sums = self.sums
    let weights = self.weights
    tile.data.withUnsafeBufferPointer { tileValues in
      guard let tileBase = tileValues.baseAddress else { return }
      let importance = self.importance
      importance.withOptionalPointer { gaussian in
        ParallelLoop.forRanges(patch[0] * (channels + (addsWeight ? 1 : 0)), threads: threads) { jobs in
          for job in jobs {
            let (channel, k) = job.quotientAndRemainder(dividingBy: patch[0])
            let slot = (origin[0] + k) % ringRows
            for j in 0..<patch[1] {
              let gridOffset = (origin[1] + j) * shape[2] + origin[2]
              let patchRow = (k * patch[1] + j) * patch[2]
              if channel == channels {
                let target = weights + slot * plane + gridOffset
                if let gaussian {
                  for i in 0..<patch[2] { target[i] += gaussian[patchRow + i] }
                } else {
                  for i in 0..<patch[2] { target[i] += 1 }
                }
                continue
              }
              let target = sums + (slot * channels + channel) * plane + gridOffset
              flips.forEachRow(k: k, j: j) { _, sourceRow, stride in
                let source = tileBase + channel * patchVolume + sourceRow
                let width = patch[2]
                switch (gaussian, stride) {
                case (let gaussian?, 1):
                  let g = gaussian + patchRow
                  for i in 0..<width { target[i] += (scale * source[i]) * g[i] }
                case (let gaussian?, _):
                  let g = gaussian + patchRow
                  for i in 0..<width { target[i] += (scale * source[-i]) * g[i] }
                case (nil, 1):
                  for i in 0..<width { target[i] += scale * source[i] }
                case (nil, _):
                  for i in 0..<width { target[i] += scale * source[-i] }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Emits every remaining row; call after the last tile.
  public func finish() throws {
    guard tilesAdded == window.tileCount else {
      throw SegmentationError.outOfOrder(
        step: "slab aggregation", detail: "finish after \(tilesAdded) of \(window.tileCount) tiles")
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
