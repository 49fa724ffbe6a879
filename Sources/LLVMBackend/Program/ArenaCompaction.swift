// Re-places a planned arena after some buffers left it (graph outputs that kernels write straight
// into the caller's arrays), so their bytes are not kept twice. Storage groups (a buffer and the
// buffers planned in place over it) keep their live intervals; taken in order of their planned
// offset, each goes to the lowest 64-byte aligned offset that no already placed group live at the
// same time occupies. Every group lands at or below its planned offset (the groups placed before
// it, live with it, ended below its planned offset and only moved down), so the arena can only
// shrink. The result is proven free of overlaps by the memory planner's independent PlanChecker.
import KernelIR
import MemoryPlan

enum ArenaCompaction {
  struct Result {
    /// New arena offset of every arena buffer and view that stays in the arena.
    var offsets: [String: Int]
    var arenaBytes: Int
  }

  static func compact(_ program: KernelProgram, removing removed: Set<String>) throws -> Result {
    let alignment = max(program.target.alignment, 64)
    var parent: [String: String] = [:]
    func root(_ name: String) -> String {
      var current = name
      while let next = parent[current], next != current { current = next }
      return current
    }
    let owners = program.buffers.filter { $0.kind.ownsArenaStorage && !removed.contains($0.name) }
    for buffer in owners { parent[buffer.name] = buffer.name }
    for buffer in owners {
      if let previous = buffer.inPlaceOf, parent[previous] != nil { parent[root(buffer.name)] = root(previous) }
    }
    struct Group {
      var members: [String] = []
      var first = Int.max
      var last = Int.min
      var bytes = 0
      var plannedOffset = Int.max
      var offset = 0
    }
    var groups: [String: Group] = [:]
    for buffer in owners {
      guard let live = buffer.live, let offset = buffer.offset else {
        throw JITProgramError.unplanned("buffer %\(buffer.name) has no live interval or offset")
      }
      var group = groups[root(buffer.name)] ?? Group()
      group.members.append(buffer.name)
      group.first = min(group.first, live.first)
      group.last = max(group.last, live.last)
      group.bytes = max(group.bytes, (buffer.byteCount + alignment - 1) / alignment * alignment)
      group.plannedOffset = min(group.plannedOffset, offset)
      groups[root(buffer.name)] = group
    }
    var ordered = groups.values.sorted { ($0.plannedOffset, $0.first, $0.members[0]) < ($1.plannedOffset, $1.first, $1.members[0]) }
    var placed: [Group] = []
    for index in ordered.indices {
      var group = ordered[index]
      let conflicts = placed.filter { $0.first <= group.last && group.first <= $0.last }.sorted { $0.offset < $1.offset }
      var candidate = 0
      for other in conflicts where other.offset < candidate + group.bytes && candidate < other.offset + other.bytes {
        candidate = other.offset + other.bytes
      }
      group.offset = candidate
      ordered[index] = group
      placed.append(group)
    }
    var offsets: [String: Int] = [:]
    var end = 0
    for group in placed {
      for member in group.members { offsets[member] = group.offset }
      end = max(end, group.offset + group.bytes)
    }
    for buffer in program.buffers {
      guard case .view(let baseName, _) = buffer.kind, let base = program.buffer(named: baseName),
        let baseOffset = offsets[baseName]
      else { continue }
      offsets[buffer.name] = baseOffset + KernelVerifier.viewByteOffset(buffer, base: base)
    }
    return Result(offsets: offsets, arenaBytes: end)
  }

  /// The program with the compacted offsets and the removed buffers placed after the arena, as
  /// if they had their own allocations; PlanChecker must accept it.
  static func checkedProgram(_ program: KernelProgram, result: Result, removed: Set<String>) throws -> KernelProgram {
    let alignment = max(program.target.alignment, 64)
    var checked = program
    var next = (result.arenaBytes + alignment - 1) / alignment * alignment
    var outside: [String: Int] = [:]
    for buffer in program.buffers where removed.contains(buffer.name) {
      outside[buffer.name] = next
      next += (buffer.byteCount + alignment - 1) / alignment * alignment
    }
    for index in checked.buffers.indices {
      let buffer = checked.buffers[index]
      if let offset = result.offsets[buffer.name] ?? outside[buffer.name] {
        checked.buffers[index].offset = offset
      } else if case .view(let baseName, _) = buffer.kind, let baseOffset = outside[baseName],
        let base = program.buffer(named: baseName)
      {
        checked.buffers[index].offset = baseOffset + KernelVerifier.viewByteOffset(buffer, base: base)
      }
    }
    do {
      try PlanChecker.check(checked)
    } catch {
      throw JITProgramError.unplanned("the compacted arena does not pass the plan checker: \(error)")
    }
    return checked
  }
}
