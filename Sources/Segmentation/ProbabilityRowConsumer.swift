// Receivers of finished class probabilities, one axis-0 row at a time, from `SlabAggregator`:
// whatever comes after aggregation (argmax at the target spacing for fast mode, resampling back
// and argmax for normal mode, or collecting the whole map) consumes rows as soon as they are final,
// so no whole-volume probability array is needed.
import TensorCore

public protocol ProbabilityRowConsumer: AnyObject {
  /// Receives row `row` (0-based, unpadded grid, increasing order, each exactly once) as a [C, H, W]
  /// block in unpadded in-plane coordinates. The buffer is only valid during the call.
  func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws
}

/// Collects every row into one [C, D, H, W] tensor (the whole-volume result, for small volumes and tests).
public final class ProbabilityCollector: ProbabilityRowConsumer {
  public let channels: Int
  public let shape: [Int]
  private var values: [Float]

  public init(channels: Int, shape: [Int]) throws {
    let volume = try VolumeShape.checkedCount(shape, step: "probability collector")
    self.channels = channels
    self.shape = shape
    values = [Float](repeating: 0, count: try VolumeShape.multiply(volume, channels, step: "probability collector"))
  }

  public func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws {
    let plane = shape[1] * shape[2]
    guard (0..<shape[0]).contains(row), probabilities.count == channels * plane else {
      throw SegmentationError.outOfBounds(step: "probability collector", detail: "row \(row) does not fit \(shape)")
    }
    let volume = shape[0] * plane
    values.withUnsafeMutableBufferPointer { target in
      for channel in 0..<channels {
        for index in 0..<plane { target[channel * volume + row * plane + index] = probabilities[channel * plane + index] }
      }
    }
  }

  public var probabilities: Tensor { Tensor(shape: [channels] + shape, data: values) }
}

/// Fast mode: the argmax of each row at the target spacing, into a [D, H, W] label map.
public final class ArgmaxCollector: ProbabilityRowConsumer {
  public let channels: Int
  public let shape: [Int]
  private let threads: Int
  private var values: [Float]

  public init(channels: Int, shape: [Int], threads: Int = ParallelLoop.defaultThreadCount) throws {
    self.channels = channels
    self.shape = shape
    self.threads = threads
    values = [Float](repeating: 0, count: try VolumeShape.checkedCount(shape, step: "argmax collector"))
  }

  public func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws {
    let plane = shape[1] * shape[2]
    guard (0..<shape[0]).contains(row), probabilities.count == channels * plane, let source = probabilities.baseAddress
    else {
      throw SegmentationError.outOfBounds(step: "argmax collector", detail: "row \(row) does not fit \(shape)")
    }
    let channels = self.channels
    values.withUnsafeMutableBufferPointer { target in
      guard let base = target.baseAddress else { return }
      let rowStart = base + row * plane
      ParallelLoop.forRanges(plane, threads: threads, minimumPerWorker: 4096) { range in
        ChannelArgmax.argmax(source + range.lowerBound, channelStride: plane, channels: channels, count: range.count,
          into: rowStart + range.lowerBound)
      }
    }
  }

  public var labels: Tensor { Tensor(shape: shape, data: values, dtype: channels <= 256 ? .u8 : .i32) }
}
