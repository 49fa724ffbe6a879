// Wall-clock time from a monotonic clock (DispatchTime), for the per-stage timings of a run.
import Dispatch

public struct Stopwatch: Sendable {
  private var start: UInt64

  public init() { start = DispatchTime.now().uptimeNanoseconds }

  /// Seconds since creation or the last `lap`.
  public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }

  /// Seconds since creation or the last `lap`, then restarts.
  public mutating func lap() -> Double {
    let now = DispatchTime.now().uptimeNanoseconds
    let elapsed = Double(now &- start) / 1e9
    start = now
    return elapsed
  }
}
