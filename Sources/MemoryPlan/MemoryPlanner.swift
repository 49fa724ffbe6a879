// The memory planner: picks a kernel order (the program's own, or a memory-aware one), computes
// live intervals, lets element-wise kernels work in place, and packs every arena buffer into one
// aligned arena (OffsetPacking). It keeps the combination with the smallest arena, writes order,
// intervals, in-place links and offsets into the program, and proves the result with the
// independent PlanChecker before returning.

import KernelIR

public struct MemoryPlanOptions: Hashable, Sendable {
  /// Also try a memory-aware kernel order.
  public var reorder: Bool
  /// Let element-wise kernels overwrite an input they read last.
  public var inPlace: Bool

  public init(reorder: Bool = true, inPlace: Bool = true) {
    self.reorder = reorder
    self.inPlace = inPlace
  }
}

public enum MemoryPlanner {
  /// Plans `program` in place and returns the report; the program's previous plan is discarded.
  @discardableResult
  public static func plan(_ program: inout KernelProgram, options: MemoryPlanOptions = MemoryPlanOptions()) throws
    -> MemoryReport
  {
    var base = program
    for index in base.buffers.indices {
      base.buffers[index].offset = nil
      base.buffers[index].inPlaceOf = nil
      base.buffers[index].live = nil
    }
    do {
      try KernelVerifier.verify(base)
    } catch {
      throw PlanError(.invalidProgram, "the program does not verify, plan it after fixing this: \(error)")
    }
    try checkTotalSize(base)
    var schedules: [(String, [Int])] = [("graph order", Array(base.kernels.indices))]
    if options.reorder {
      for policy in MemoryAwareScheduler.Policy.allCases {
        let order = MemoryAwareScheduler.order(base, policy: policy)
        if !schedules.contains(where: { $0.1 == order }) { schedules.append((policy.rawValue, order)) }
      }
    }
    let alignment = max(base.target.alignment, 1)
    var best: (program: KernelProgram, placement: Placement, schedule: String, inPlace: Int)?
    for (name, order) in schedules {
      var candidate = base
      candidate.kernels = order.map { base.kernels[$0] }
      Liveness.assign(&candidate)
      let inPlace = options.inPlace ? InPlaceCoalescing.run(&candidate) : 0
      let groups = InPlaceCoalescing.groups(candidate, alignment: alignment)
      let placement = OffsetPacking.best(groups, kernelCount: candidate.kernels.count)
      apply(placement, groups: groups, to: &candidate)
      let better: Bool
      if let current = best {
        let (arena, bound) = (placement.arenaBytes, MemorySummary(candidate).lowerBoundBytes)
        let currentBound = MemorySummary(current.program).lowerBoundBytes
        better = arena < current.placement.arenaBytes || (arena == current.placement.arenaBytes && bound < currentBound)
      } else {
        better = true
      }
      if better { best = (candidate, placement, name, inPlace) }
    }
    guard let chosen = best else { throw PlanError(.invalidProgram, "no schedule") }
    program = chosen.program
    try PlanChecker.check(program)
    let summary = MemorySummary(program)
    return MemoryReport(
      arenaBytes: program.arenaBytes ?? 0, lowerBoundBytes: summary.lowerBoundBytes, naiveBytes: summary.naiveBytes,
      schedule: chosen.schedule, placement: chosen.placement.name, inPlaceBuffers: chosen.inPlace,
      peakKernel: summary.peakKernel, peakBuffers: summary.peakBuffers)
  }

  /// The arena can never exceed the sum of the (aligned) arena buffers; requiring that sum to fit
  /// in Int keeps every offset, load and arena size below it exact.
  static func checkTotalSize(_ program: KernelProgram) throws {
    let alignment = max(program.target.alignment, 1)
    var total = 0
    for buffer in program.buffers where buffer.kind.ownsArenaStorage {
      let (padded, paddingOverflow) = buffer.byteCount.addingReportingOverflow(alignment - 1)
      let (sum, sumOverflow) = total.addingReportingOverflow(padded / alignment * alignment)
      guard !paddingOverflow, !sumOverflow else {
        throw PlanError(
          .tooLarge,
          "the arena buffers need more than \(Int.max) bytes together (%\(buffer.name) alone takes \(buffer.byteCount)); no arena can hold them, use smaller shapes")
      }
      total = sum
    }
  }

  /// Writes the group offsets into the member buffers, and view offsets from their bases.
  static func apply(_ placement: Placement, groups: [StorageGroup], to program: inout KernelProgram) {
    var offsets: [String: Int] = [:]
    for (group, offset) in zip(groups, placement.offsets) {
      for member in group.members { offsets[member] = offset }
    }
    let snapshot = program.bufferIndex
    for index in program.buffers.indices {
      let buffer = program.buffers[index]
      if let offset = offsets[buffer.name] {
        program.buffers[index].offset = offset
      } else if let baseName = buffer.kind.viewBase, let basePosition = snapshot[baseName],
        let baseOffset = offsets[baseName]
      {
        program.buffers[index].offset =
          baseOffset + KernelVerifier.viewByteOffset(buffer, base: program.buffers[basePosition])
      }
    }
  }
}
