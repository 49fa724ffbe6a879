// Merging the per-tile statistics written by convolution epilogues into per-channel instance-norm
// statistics, and turning them into the per-channel scale and shift applied by the normalisation
// kernel. Merging follows Chan et al.'s pairwise formula in fp64 (stable for any tile split; case
// C27 forbids fp32 E[x^2] - E[x]^2). Variance is the biased one (divide by n), as InstanceNorm3d.

public struct ChannelStatistics: Hashable, Sendable {
  public var count: Double
  public var mean: Double
  /// Sum of squared deviations from the mean.
  public var squaredDeviations: Double

  public init(count: Double, mean: Double, squaredDeviations: Double) {
    self.count = count
    self.mean = mean
    self.squaredDeviations = squaredDeviations
  }

  public static let empty = ChannelStatistics(count: 0, mean: 0, squaredDeviations: 0)

  /// Biased variance M2 / n (0 for an empty set).
  public var variance: Double { count > 0 ? squaredDeviations / count : 0 }

  /// Chan's pairwise combination of two disjoint sets.
  public func merged(with other: ChannelStatistics) -> ChannelStatistics {
    if other.count == 0 { return self }
    if count == 0 { return other }
    let total = count + other.count
    let delta = other.mean - mean
    return ChannelStatistics(
      count: total, mean: mean + delta * (other.count / total),
      squaredDeviations: squaredDeviations + other.squaredDeviations + delta * delta * (count * other.count / total))
  }
}

public enum InstanceNormStatistics {
  /// Per-channel statistics from a scratch array laid out [outputBlock][depthTile][count, mean, M2][8].
  public static func merge(scratch: UnsafeBufferPointer<Double>, channels: Int, depthTiles: Int) throws -> [ChannelStatistics] {
    let expected = BlockedLayout.channelBlocks(channels) * depthTiles * 24
    guard scratch.count >= expected else {
      throw BackendError.bufferSizeMismatch(kernel: "instance-norm statistics", buffer: "statistics", expected: expected, actual: scratch.count)
    }
    return (0..<channels).map { channel in
      let block = channel / 8
      let lane = channel % 8
      var result = ChannelStatistics.empty
      for tile in 0..<depthTiles {
        let base = (block * depthTiles + tile) * 24
        result = result.merged(
          with: ChannelStatistics(count: scratch[base + lane], mean: scratch[base + 8 + lane], squaredDeviations: scratch[base + 16 + lane]))
      }
      return result
    }
  }

  /// Scale and shift per channel such that x * scale + shift == gamma * (x - mean) / sqrt(var + eps) + beta,
  /// padded with zeros to whole blocks of 8 (so tail lanes stay zero).
  public static func affineCoefficients(
    statistics: [ChannelStatistics], gamma: [Float], beta: [Float], epsilon: Double = 1e-5
  ) throws -> (scale: [Float], shift: [Float]) {
    guard gamma.count == statistics.count, beta.count == statistics.count else {
      throw BackendError.bufferSizeMismatch(
        kernel: "instance-norm affine", buffer: "gamma/beta", expected: statistics.count, actual: min(gamma.count, beta.count))
    }
    let padded = BlockedLayout.channelBlocks(statistics.count) * 8
    var scale = [Float](repeating: 0, count: padded)
    var shift = [Float](repeating: 0, count: padded)
    for (channel, stats) in statistics.enumerated() {
      let factor = Double(gamma[channel]) / (stats.variance + epsilon).squareRoot()
      scale[channel] = Float(factor)
      shift[channel] = Float(Double(beta[channel]) - stats.mean * factor)
    }
    return (scale, shift)
  }
}
