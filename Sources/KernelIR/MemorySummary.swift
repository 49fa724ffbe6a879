// The memory summary that ends every Kernel IR dump:
// - arena bytes: end of the highest arena buffer (64-byte aligned), once offsets are planned;
// - max-live lower bound: the maximum over kernels of the bytes that must be live at once
//   (buffers sharing bytes in place, and views, counted once; sizes rounded up to the alignment);
//   no placement can use less (computed by one sweep over the kernels);
// - efficiency: lower bound / arena (1.0 is a perfect packing);
// - naive total: every arena buffer in its own allocation, nothing freed.

import GraphIR

public struct MemorySummary: Equatable, Sendable {
  public var arenaBytes: Int?
  public var lowerBoundBytes: Int
  public var naiveBytes: Int
  /// Kernel where the lower bound is reached, and the storage live there, largest first.
  public var peakKernel: Int?
  public var peakBuffers: [(name: String, bytes: Int)]

  public var efficiency: Double? {
    guard let arena = arenaBytes, arena > 0 else { return nil }
    return Double(lowerBoundBytes) / Double(arena)
  }

  public static func == (lhs: MemorySummary, rhs: MemorySummary) -> Bool {
    lhs.arenaBytes == rhs.arenaBytes && lhs.lowerBoundBytes == rhs.lowerBoundBytes && lhs.naiveBytes == rhs.naiveBytes
      && lhs.peakKernel == rhs.peakKernel && lhs.peakBuffers.map(\.name) == rhs.peakBuffers.map(\.name)
  }

  public init(_ program: KernelProgram) {
    let alignment = max(program.target.alignment, 1)
    func aligned(_ bytes: Int) -> Int { CheckedSize.aligned(bytes, alignment) }
    let intervals = Liveness.intervals(program)
    let index = program.bufferIndex
    // Storage groups: follow in-place links to the first buffer of the chain (memoised, so long
    // in-place chains stay linear; a cyclic chain ends where it repeats).
    var rootCache: [String: String] = [:]
    func root(_ name: String) -> String {
      var path: [String] = []
      var seen: Set<String> = []
      var current = name
      var result = name
      while true {
        if let known = rootCache[current] {
          result = known
          break
        }
        guard seen.insert(current).inserted, let position = index[current],
          let previous = program.buffers[position].inPlaceOf
        else {
          result = current
          break
        }
        path.append(current)
        current = previous
      }
      for member in path { rootCache[member] = result }
      return result
    }
    var groups: [String: (interval: LiveInterval, bytes: Int)] = [:]
    var order: [String] = []
    var naive = ByteTally()
    for buffer in program.buffers where buffer.kind.ownsArenaStorage {
      naive.add(aligned(buffer.byteCount))
      let interval = buffer.live ?? intervals[buffer.name] ?? LiveInterval(0, 0)
      let key = root(buffer.name)
      if let group = groups[key] {
        groups[key] = (
          LiveInterval(min(group.interval.first, interval.first), max(group.interval.last, interval.last)),
          max(group.bytes, aligned(buffer.byteCount))
        )
      } else {
        groups[key] = (interval, aligned(buffer.byteCount))
        order.append(key)
      }
    }
    // Live bytes per kernel by a sweep: each group adds its bytes where its interval starts and
    // takes them back after it ends (exact, saturating only when read out).
    let kernelCount = max(program.kernels.count, 1)
    var starting = [ByteTally](repeating: ByteTally(), count: kernelCount + 1)
    var ending = [ByteTally](repeating: ByteTally(), count: kernelCount + 1)
    for key in order {
      guard let group = groups[key] else { continue }
      let first = max(group.interval.first, 0)
      let last = min(group.interval.last, kernelCount - 1)
      guard first <= last else { continue }
      starting[first].add(group.bytes)
      ending[last + 1].add(group.bytes)
    }
    var live = ByteTally()
    var best = ByteTally()
    var peak: Int?
    for kernel in 0..<kernelCount {
      live.add(starting[kernel])
      live.remove(ending[kernel])
      if live > best || peak == nil {
        best = live
        peak = kernel
      }
    }
    lowerBoundBytes = best.value
    naiveBytes = naive.value
    arenaBytes = program.arenaBytes
    peakKernel = program.kernels.isEmpty ? nil : peak
    if let peak {
      peakBuffers = order.compactMap { key in
        guard let group = groups[key], group.interval.contains(peak) else { return nil }
        return (key, group.bytes)
      }.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.name < $1.name }
    } else {
      peakBuffers = []
    }
  }

  /// The comment lines printed after a program.
  public func lines(kernels: [Kernel]) -> [String] {
    var lines = ["// memory summary"]
    if let arena = arenaBytes {
      lines.append("//   arena:                \(arena) bytes (\(MemorySummary.human(arena)))")
    } else {
      lines.append("//   arena:                not planned (run the memory planner)")
    }
    lines.append("//   max-live lower bound: \(lowerBoundBytes) bytes (\(MemorySummary.human(lowerBoundBytes)))")
    if let efficiency {
      lines.append("//   efficiency:           \(MemorySummary.fixed(efficiency, digits: 4)) (lower bound / arena)")
    }
    lines.append("//   naive total:          \(naiveBytes) bytes (\(MemorySummary.human(naiveBytes))), every buffer separate")
    if let peak = peakKernel, kernels.indices.contains(peak) {
      let kernel = kernels[peak]
      let what = kernel.writtenBuffers.map { "%" + $0 }.joined(separator: ", ")
      let live = peakBuffers.map { "%\($0.name) \(MemorySummary.human($0.bytes))" }.joined(separator: ", ")
      lines.append("//   peak at kernel \(peak) (\(kernel.kind.rawValue) -> \(what)): \(live)")
    }
    return lines
  }

  /// Bytes as KiB/MiB/GiB with two decimals.
  public static func human(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(bytes) bytes" : "\(fixed(value, digits: 2)) \(units[unit])"
  }

  /// Fixed-point text without Foundation (deterministic across platforms).
  static func fixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale)
    let fraction = String(scaled % Int(scale))
    return "\(whole)." + String(repeating: "0", count: max(digits - fraction.count, 0)) + fraction
  }
}
