// The independent checker of a memory plan (case C31). It trusts nothing the planner stored but
// the offsets and in-place links: it recomputes from the kernel list when each arena buffer is
// live (a buffer written and never read is live for its whole producing kernel; graph inputs
// from the first kernel, outputs to the last; a view's accesses count for its base), checks that
// stored intervals cover that, that offsets are aligned and views sit inside their bases, and
// then that no two buffers whose live kernels intersect share a byte, except an in-place pair:
// B declared inplace(A), same offset, size and layout, A's last kernel being B's first, and that
// kernel reading A in a role whose result may overwrite it (Kernel.inPlaceCandidates).

import GraphIR
import KernelIR

public enum PlanChecker {
  public static func check(_ program: KernelProgram) throws {
    let kernels = program.kernels
    let index = program.bufferIndex
    let alignment = max(program.target.alignment, 1)
    let lastKernel = max(kernels.count - 1, 0)

    // Accesses per storage, from the kernel list alone.
    var first: [String: Int] = [:]
    var last: [String: Int] = [:]
    func storage(_ name: String) -> String {
      guard let position = index[name], case .view(let base, _) = program.buffers[position].kind else { return name }
      return base
    }
    for (position, kernel) in kernels.enumerated() {
      for name in kernel.readBuffers + kernel.writtenBuffers {
        for touched in Set([name, storage(name)]) {
          first[touched] = min(first[touched] ?? position, position)
          last[touched] = max(last[touched] ?? position, position)
        }
      }
    }
    var live: [String: (Int, Int)] = [:]
    for buffer in program.buffers where !buffer.kind.isWeight {
      var start = buffer.kind == .input ? 0 : first[buffer.name] ?? 0
      var end = buffer.kind == .output ? lastKernel : last[buffer.name] ?? start
      start = min(start, end)
      end = max(end, start)
      live[buffer.name] = (start, end)
      if let stored = buffer.live, stored.first > start || stored.last < end {
        throw PlanError(
          .interval, "%\(buffer.name) is used in kernels \(start)...\(end) but its stored interval is \(stored)")
      }
    }

    // Offsets and views.
    var extents: [(name: String, start: Int, end: Int)] = []
    for buffer in program.buffers {
      switch buffer.kind {
      case .weight: continue
      case .view(let baseName, let channelOffset):
        guard let position = index[baseName], let baseOffset = program.buffers[position].offset,
          let offset = buffer.offset
        else { throw PlanError(.missingOffset, "view %\(buffer.name) or its base %\(baseName) has no offset") }
        let base = program.buffers[position]
        // Saturating arithmetic: an overflow can only come from a view outside its base, and the
        // saturated values then fail the comparison below.
        let spatial = base.type.shape.dropFirst(2).reduce(base.type.dtype.byteSize) { SaturatingSize.multiply($0, $1) }
        let expected = SaturatingSize.add(baseOffset, SaturatingSize.multiply(channelOffset, spatial))
        let baseEnd = SaturatingSize.add(baseOffset, base.byteCount)
        guard expected != Int.max, offset == expected, SaturatingSize.add(offset, buffer.byteCount) <= baseEnd,
          baseEnd != Int.max
        else {
          throw PlanError(
            .view, "view %\(buffer.name) at \(offset) (\(buffer.byteCount) bytes) must start at \(expected), inside %\(baseName) [\(baseOffset), \(baseEnd))")
        }
      default:
        guard let offset = buffer.offset else {
          throw PlanError(.missingOffset, "%\(buffer.name) has no arena offset: run the memory planner")
        }
        guard offset >= 0, offset % alignment == 0 else {
          throw PlanError(.misaligned, "%\(buffer.name) at offset \(offset) is not a multiple of \(alignment)")
        }
        let (end, overflow) = offset.addingReportingOverflow(buffer.byteCount)
        guard !overflow, buffer.byteCount >= 0 else {
          throw PlanError(.misaligned, "%\(buffer.name) at offset \(offset) with \(buffer.byteCount) bytes does not fit the address space")
        }
        extents.append((buffer.name, offset, end))
      }
    }

    // No two live buffers share bytes: a sweep over the kernels. Two buffers whose intervals
    // intersect are both live at the later of their first kernels, so each buffer is compared,
    // when it becomes live, with the buffers live then. Those are kept sorted by offset, and in a
    // valid plan they are disjoint except in-place pairs (which span identical bytes), so the
    // neighbours found by binary search are the only candidates: O(B log B + K) in all.
    extents.sort { ($0.start, $0.end, $0.name) < ($1.start, $1.end, $1.name) }
    let kernelCount = lastKernel + 1
    var startingAt = [[Int]](repeating: [], count: kernelCount)
    var endingAt = [[Int]](repeating: [], count: kernelCount)
    for (rank, extent) in extents.enumerated() where extent.end > extent.start {
      guard let (first, last) = live[extent.name] else { continue }
      let start = min(max(first, 0), lastKernel)
      startingAt[start].append(rank)
      endingAt[min(max(last, start), lastKernel)].append(rank)
    }
    var active: [Int] = []  // ranks into `extents`, ascending, so sorted by offset
    func position(of rank: Int) -> Int {
      var low = 0
      var high = active.count
      while low < high {
        let middle = (low + high) / 2
        if active[middle] < rank { low = middle + 1 } else { high = middle }
      }
      return low
    }
    for kernel in 0..<kernelCount {
      for rank in startingAt[kernel] {
        let b = extents[rank]
        let insertion = position(of: rank)
        var neighbours: [Int] = []
        var before = insertion - 1
        while before >= 0, extents[active[before]].end > b.start {
          neighbours.append(active[before])
          before -= 1
        }
        var after = insertion
        while after < active.count, extents[active[after]].start < b.end {
          neighbours.append(active[after])
          after += 1
        }
        for other in neighbours {
          let a = extents[min(other, rank)]
          let c = extents[max(other, rank)]
          if try legalInPlace(a.name, c.name, program, index, live) || legalInPlace(c.name, a.name, program, index, live) {
            continue
          }
          let liveA = live[a.name] ?? (0, 0)
          let liveC = live[c.name] ?? (0, 0)
          throw PlanError(
            .overlap,
            "%\(a.name) (bytes \(a.start)..<\(a.end), kernels \(liveA.0)...\(liveA.1)) and %\(c.name) (bytes \(c.start)..<\(c.end), kernels \(liveC.0)...\(liveC.1)) share bytes while both are live")
        }
        active.insert(rank, at: insertion)
      }
      for rank in endingAt[kernel] {
        let at = position(of: rank)
        if at < active.count, active[at] == rank { active.remove(at: at) }
      }
    }
  }

  /// Whether `later` may overwrite `earlier` in place.
  static func legalInPlace(
    _ earlier: String, _ later: String, _ program: KernelProgram, _ index: [String: Int],
    _ live: [String: (Int, Int)]
  ) throws -> Bool {
    guard let e = index[earlier], let l = index[later] else { return false }
    let source = program.buffers[e]
    let target = program.buffers[l]
    guard target.inPlaceOf == earlier, let sourceLive = live[earlier], let targetLive = live[later] else { return false }
    guard source.offset == target.offset, source.byteCount == target.byteCount, source.layout == target.layout,
      sourceLive.1 == targetLive.0, program.kernels.indices.contains(targetLive.0)
    else {
      throw PlanError(
        .inPlace,
        "%\(later) is declared inplace(%\(earlier)) but they differ in offset, size or layout, or %\(earlier) is still used after %\(later) is written")
    }
    let kernel = program.kernels[targetLive.0]
    guard let outputIndex = kernel.outputs.firstIndex(where: { $0.buffer == later }),
      kernel.inPlaceCandidates(forOutput: outputIndex).contains(where: { kernel.inputs[$0].buffer == earlier })
    else {
      throw PlanError(
        .inPlace,
        "kernel \(targetLive.0) (\(kernel.kind.rawValue)) cannot write %\(later) over its input %\(earlier) in place")
    }
    return true
  }
}
