// What the memory planner reports: the arena it chose, how close that is to the max-live lower
// bound, the naive total, and which schedule and placement order won.

import KernelIR

public struct MemoryReport: Sendable, CustomStringConvertible {
  public var arenaBytes: Int
  public var lowerBoundBytes: Int
  public var naiveBytes: Int
  /// Name of the kernel order that won ("graph order" or "memory-aware").
  public var schedule: String
  /// Name of the placement order and fit that won, e.g. "peaks first, largest first / lowest offset".
  public var placement: String
  /// Buffers that reuse the bytes of an input of their kernel.
  public var inPlaceBuffers: Int
  public var peakKernel: Int?
  public var peakBuffers: [(name: String, bytes: Int)]

  public var efficiency: Double { arenaBytes > 0 ? Double(lowerBoundBytes) / Double(arenaBytes) : 1 }

  public var description: String {
    var lines = [
      "arena \(arenaBytes) bytes (\(MemorySummary.human(arenaBytes))), max-live lower bound \(lowerBoundBytes) bytes (\(MemorySummary.human(lowerBoundBytes))), efficiency \(Self.fixed(efficiency)), naive total \(MemorySummary.human(naiveBytes))",
      "schedule: \(schedule); placement: \(placement); \(inPlaceBuffers) buffers in place",
    ]
    if let peak = peakKernel {
      lines.append(
        "peak at kernel \(peak): " + peakBuffers.map { "%\($0.name) \(MemorySummary.human($0.bytes))" }.joined(separator: ", "))
    }
    return lines.joined(separator: "\n")
  }

  static func fixed(_ value: Double) -> String {
    let scaled = Int((value * 10000).rounded())
    let fraction = String(scaled % 10000)
    return "\(scaled / 10000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
  }
}
