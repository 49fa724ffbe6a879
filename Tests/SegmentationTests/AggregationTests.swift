// Gaussian-weighted aggregation of tile probabilities: the whole-volume aggregator against a
// direct computation, and the bounded-memory slab aggregator (with its row consumers) against the
// whole-volume path.
import Segmentation
import TensorCore
import XCTest

final class AggregationTests: XCTestCase {
  /// Softmax-like tiles for every origin of `window`, deterministic per tile.
  private func tiles(channels: Int, window: SlidingWindow) throws -> [Tensor] {
    try window.tileOrigins.enumerated().map { index, _ in
      var logits = Tensor(
        shape: [channels] + window.patch,
        data: pseudoRandomValues(count: channels * window.patch.reduce(1, *), seed: UInt64(100 + index), scale: 3))
      try ChannelSoftmax.apply(to: &logits)
      return logits
    }
  }

  private func wholeVolume(
    channels: Int, window: SlidingWindow, padding: CentredPadding, importance: Tensor?, tiles: [Tensor]
  ) throws -> Tensor {
    let aggregator = try ProbabilityAggregator(channels: channels, window: window, importance: importance)
    for (tile, origin) in zip(tiles, window.tileOrigins) { try aggregator.add(tileProbabilities: tile, origin: origin) }
    return try aggregator.probabilities(removing: padding)
  }

  func testWholeVolumeAggregationIsTheWeightedAverage() throws {
    let channels = 3
    let window = try SlidingWindow(shape: [12, 10, 9], patch: [8, 6, 5])
    let padding = try CentredPadding(shape: [12, 10, 9], minimumShape: [8, 6, 5])
    let importance = try GaussianImportanceMap.make(patch: window.patch)
    let tiles = try tiles(channels: channels, window: window)
    let result = try wholeVolume(channels: channels, window: window, padding: padding, importance: importance, tiles: tiles)
    // Direct weighted average at a few voxels, in double precision.
    for voxel in [[0, 0, 0], [5, 4, 4], [11, 9, 8], [6, 2, 7]] {
      var sums = [Double](repeating: 0, count: channels)
      var weight = 0.0
      for (tile, origin) in zip(tiles, window.tileOrigins) {
        let local = (0..<3).map { voxel[$0] - origin[$0] }
        guard (0..<3).allSatisfy({ local[$0] >= 0 && local[$0] < window.patch[$0] }) else { continue }
        let offset = (local[0] * window.patch[1] + local[1]) * window.patch[2] + local[2]
        let g = Double(importance.data[offset])
        weight += g
        for c in 0..<channels { sums[c] += g * Double(tile.data[c * window.patch.reduce(1, *) + offset]) }
      }
      for c in 0..<channels {
        let actual = result.data[((c * 12 + voxel[0]) * 10 + voxel[1]) * 9 + voxel[2]]
        XCTAssertEqual(Double(actual), sums[c] / weight, accuracy: 1e-6, "voxel \(voxel) channel \(c)")
      }
    }
  }

  func testSingleTileIsUnweighted() throws {
    let window = try SlidingWindow(shape: [8, 6, 5], patch: [8, 6, 5])
    let padding = try CentredPadding(shape: [6, 6, 3], minimumShape: [8, 6, 5])
    let tiles = try tiles(channels: 2, window: window)
    let result = try wholeVolume(channels: 2, window: window, padding: padding, importance: nil, tiles: tiles)
    XCTAssertEqual(result, try padding.removePadding(tiles[0]))
  }

  func testSlabAggregationIsBitIdenticalToTheWholeVolume() throws {
    let channels = 4
    let original = [5, 13, 11]
    let patch = [8, 6, 6]
    let padding = try CentredPadding(shape: original, minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    let importance = try GaussianImportanceMap.make(patch: patch)
    let tiles = try tiles(channels: channels, window: window)
    let expected = try wholeVolume(channels: channels, window: window, padding: padding, importance: importance, tiles: tiles)

    for threads in [1, 3] {
      let collector = try ProbabilityCollector(channels: channels, shape: original)
      let slabs = try SlabAggregator(
        channels: channels, window: window, padding: padding, importance: importance, consumer: collector, threads: threads)
      for (tile, origin) in zip(tiles, window.tileOrigins) { try slabs.add(tileProbabilities: tile, origin: origin) }
      try slabs.finish()
      XCTAssertEqual(collector.probabilities, expected, "\(threads) threads")
    }
  }

  func testSlabAggregationOverSeveralAxis0Tiles() throws {
    let channels = 3
    let shape = [21, 9, 7]
    let patch = [6, 6, 6]
    let padding = try CentredPadding(shape: shape, minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    XCTAssertGreaterThan(window.starts[0].count, 3)
    let importance = try GaussianImportanceMap.make(patch: patch)
    let tiles = try tiles(channels: channels, window: window)
    let expected = try wholeVolume(channels: channels, window: window, padding: padding, importance: importance, tiles: tiles)

    let argmax = try ArgmaxCollector(channels: channels, shape: shape)
    let slabs = try SlabAggregator(channels: channels, window: window, padding: padding, importance: importance, consumer: argmax)
    XCTAssertEqual(slabs.bandBytes, (channels * 6 * 9 * 7 + 6 * 9 * 7 + channels * 9 * 7) * 4)
    for (tile, origin) in zip(tiles, window.tileOrigins) { try slabs.add(tileProbabilities: tile, origin: origin) }
    try slabs.finish()
    XCTAssertEqual(argmax.labels, try ChannelArgmax.labels(of: expected))
  }

  func testStreamedNormalModeEqualsResampleThenArgmax() throws {
    let channels = 5
    let grid = [14, 12, 10]
    let patch = [8, 8, 8]
    let padding = try CentredPadding(shape: grid, minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    let importance = try GaussianImportanceMap.make(patch: patch)
    let tiles = try tiles(channels: channels, window: window)
    let probabilities = try wholeVolume(
      channels: channels, window: window, padding: padding, importance: importance, tiles: tiles)
    // Upsampling and downsampling in-plane (the collector orders its passes by size), and a
    // separate coarse axis.
    for (original, spacing) in [([9, 17, 6], [2.3, 1.05, 2.5]), ([9, 7, 6], [2.3, 2.6, 2.5]), ([4, 13, 11], [5.0, 1.4, 1.3])] {
      let back = try ResamplingPlan.backToOriginal(
        resampledShape: grid, originalShape: original, originalSpacing: spacing, targetSpacing: [1.5, 1.5, 1.5])
      let expected = try ChannelArgmax.labels(of: try Resampling.resampleProbabilities(probabilities, plan: back))
      let collector = try ResampledArgmaxCollector(channels: channels, plan: back)
      let slabs = try SlabAggregator(
        channels: channels, window: window, padding: padding, importance: importance, consumer: collector)
      for (tile, origin) in zip(tiles, window.tileOrigins) { try slabs.add(tileProbabilities: tile, origin: origin) }
      try slabs.finish()
      XCTAssertEqual(try collector.labels(), expected, "back to \(original), separate axis \(String(describing: back.separateAxis))")
    }
  }

  func testFusedMirroringMatchesTheTileAverage() throws {
    let channels = 3
    let patch = [6, 6, 6]
    let padding = try CentredPadding(shape: [10, 8, 6], minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    let importance = try GaussianImportanceMap.make(patch: patch)
    let passes = try tiles(channels: channels, window: try SlidingWindow(shape: [6, 6, 48], patch: patch))
    // Exact nnU-Net order: average the eight flipped-back passes per tile, then aggregate.
    let exact = try ProbabilityCollector(channels: channels, shape: [10, 8, 6])
    let fused = try ProbabilityCollector(channels: channels, shape: [10, 8, 6])
    let exactSlabs = try SlabAggregator(channels: channels, window: window, padding: padding, importance: importance, consumer: exact)
    let fusedSlabs = try SlabAggregator(channels: channels, window: window, padding: padding, importance: importance, consumer: fused)
    for origin in window.tileOrigins {
      var average = Tensor(zeros: [channels] + patch)
      for (pass, axes) in Mirroring.testTimeAugmentationAxes.enumerated() {
        let prediction = passes[pass]
        try Mirroring.accumulate(prediction, flippedAlong: axes, weight: 0.125, into: &average)
        try fusedSlabs.add(
          tileProbabilities: prediction, origin: origin, tileRows: 0..<6, flippedAlong: axes, scale: 0.125,
          addsWeight: pass == 0)
      }
      try exactSlabs.add(tileProbabilities: average, origin: origin)
    }
    try exactSlabs.finish()
    try fusedSlabs.finish()
    assertClose(fused.probabilities.data, exact.probabilities.data, relativeToScale: 1e-6, "fused mirroring")
  }

  func testTilesHandedOverInRowSlabsGiveTheSameResult() throws {
    let channels = 2
    let patch = [6, 5, 4]
    let padding = try CentredPadding(shape: [13, 5, 9], minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    let importance = try GaussianImportanceMap.make(patch: patch)
    let tiles = try tiles(channels: channels, window: window)
    let expected = try wholeVolume(channels: channels, window: window, padding: padding, importance: importance, tiles: tiles)
    // Each tile in slabs of rows [0, 2), [2, 5), [5, 6), flipped along axis 0 and 2 with the
    // flip undone by the aggregator: the same sums in the same per-voxel order.
    let collector = try ProbabilityCollector(channels: channels, shape: [13, 5, 9])
    let slabs = try SlabAggregator(channels: channels, window: window, padding: padding, importance: importance, consumer: collector)
    for (tile, origin) in zip(tiles, window.tileOrigins) {
      let flipped = try Mirroring.flip(tile, spatialAxes: [0, 2])
      for rows in [0..<2, 2..<5, 5..<6] {
        let plane = patch[1] * patch[2]
        var slab: [Float] = []
        for channel in 0..<channels {
          let start = channel * patch[0] * plane
          slab += flipped.data[(start + rows.lowerBound * plane)..<(start + rows.upperBound * plane)]
        }
        try slabs.add(
          tileProbabilities: Tensor(shape: [channels, rows.count, patch[1], patch[2]], data: slab), origin: origin,
          tileRows: rows, flippedAlong: [0, 2], scale: 1, addsWeight: true)
      }
    }
    try slabs.finish()
    XCTAssertEqual(collector.probabilities, expected)
  }

  func testTilesOutOfOrderAndEarlyFinishAreErrors() throws {
    let patch = [4, 4, 4]
    let padding = try CentredPadding(shape: [9, 4, 4], minimumShape: patch)
    let window = try SlidingWindow(shape: padding.paddedShape, patch: patch)
    let collector = try ProbabilityCollector(channels: 1, shape: [9, 4, 4])
    let slabs = try SlabAggregator(channels: 1, window: window, padding: padding, importance: nil, consumer: collector)
    let tile = Tensor(shape: [1, 4, 4, 4], data: [Float](repeating: 1, count: 64))
    try slabs.add(tileProbabilities: tile, origin: [4, 0, 0])
    XCTAssertThrowsError(try slabs.add(tileProbabilities: tile, origin: [0, 0, 0]))
    XCTAssertThrowsError(try slabs.finish())
    XCTAssertThrowsError(try slabs.add(tileProbabilities: tile, origin: [6, 0, 1]))
  }
}
