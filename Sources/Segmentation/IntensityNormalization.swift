// Intensity normalisation of nnU-Net v1 (STUNET.md §7 step 4). 'nonCT' (used by the STU-Net /
// TotalSegmentator checkpoints): x <- (x - mean) / (std + 1e-8) over the whole volume with the
// population std; the statistics are accumulated in float64 and, as numpy does with float32 data,
// the subtraction and division run in float32. 'CT' (other plans): clip to the dataset's 0.5 and
// 99.5 percentiles, then (x - mean) / std with the dataset's foreground mean and std.
import TensorCore

/// The dataset intensity properties a 'CT' plan carries (intensityproperties in the plans file).
public struct CTIntensityProperties: Equatable, Sendable {
  public var mean: Double
  public var standardDeviation: Double
  public var percentile00_5: Double
  public var percentile99_5: Double

  public init(mean: Double, standardDeviation: Double, percentile00_5: Double, percentile99_5: Double) {
    self.mean = mean
    self.standardDeviation = standardDeviation
    self.percentile00_5 = percentile00_5
    self.percentile99_5 = percentile99_5
  }
}

public enum IntensityNormalization: Equatable, Sendable {
  /// Per-image z-score ('nonCT').
  case zScore
  /// Percentile clip and dataset statistics ('CT').
  case ct(CTIntensityProperties)

  /// The statistics the z-score uses: mean and population standard deviation in float64.
  public static func meanAndStandardDeviation(of values: [Float]) -> (mean: Double, standardDeviation: Double) {
    guard !values.isEmpty else { return (0, 0) }
    return values.withUnsafeBufferPointer { buffer in
      var sum = 0.0
      for value in buffer { sum += Double(value) }
      let mean = sum / Double(buffer.count)
      var squares = 0.0
      for value in buffer {
        let deviation = Double(value) - mean
        squares += deviation * deviation
      }
      return (mean, (squares / Double(buffer.count)).squareRoot())
    }
  }

  /// Normalises `volume` in place. A constant volume becomes all zeros (0 / 1e-8), never NaN.
  public func apply(to volume: inout Tensor) throws {
    switch self {
    case .zScore:
      let (mean, deviation) = Self.meanAndStandardDeviation(of: volume.data)
      let shift = Float(mean)
      let divisor = Float(deviation + 1e-8)
      volume.data.withUnsafeMutableBufferPointer { values in
        for index in values.indices { values[index] = (values[index] - shift) / divisor }
      }
    case .ct(let properties):
      guard properties.standardDeviation.isFinite, properties.standardDeviation > 0,
        properties.percentile00_5 <= properties.percentile99_5
      else {
        throw SegmentationError.invalidParameter(
          step: "CT normalisation", name: "intensity properties", value: "\(properties)",
          expected: "a positive finite standard deviation and percentile 0.5 <= percentile 99.5")
      }
      let lower = Float(properties.percentile00_5)
      let upper = Float(properties.percentile99_5)
      let shift = Float(properties.mean)
      let divisor = Float(properties.standardDeviation)
      volume.data.withUnsafeMutableBufferPointer { values in
        for index in values.indices { values[index] = (min(max(values[index], lower), upper) - shift) / divisor }
      }
    }
  }
}
