// In-place reuse: after the order is fixed, an output of an element-wise kernel (norm_act, add,
// leaky_relu, softmax over channels, or a stride-1 1x1 conv, see Kernel.inPlaceCandidates)
// takes over the bytes of an input when this kernel is that input's last reader and both have
// the same layout and size. The output records `inplace(%input)`; both then form one storage
// group whose interval is the union of theirs. Views, bases of views, and graph outputs' bytes
// are never taken over.

import KernelIR

struct StorageGroup {
  var members: [String]
  var interval: LiveInterval
  var bytes: Int
}

enum InPlaceCoalescing {
  /// Sets `inPlaceOf` where legal; returns the number of buffers placed in place.
  @discardableResult
  static func run(_ program: inout KernelProgram) -> Int {
    let index = program.bufferIndex
    var hasViews = Set<String>()
    for buffer in program.buffers {
      if let base = buffer.kind.viewBase { hasViews.insert(base) }
    }
    // Group of each buffer: its root, and per root the interval and whether it holds an output.
    var root: [String: String] = [:]
    var groupLast: [String: Int] = [:]
    var groupHasOutput: [String: Bool] = [:]
    for buffer in program.buffers where buffer.kind.ownsArenaStorage {
      root[buffer.name] = buffer.name
      groupLast[buffer.name] = buffer.live?.last ?? 0
      groupHasOutput[buffer.name] = buffer.kind == .output
    }
    var taken = Set<String>()
    var count = 0
    for (position, kernel) in program.kernels.enumerated() {
      for (outputIndex, operand) in kernel.outputs.enumerated() {
        guard let outputPosition = index[operand.buffer] else { continue }
        let output = program.buffers[outputPosition]
        guard output.kind == .activation || output.kind == .output, output.inPlaceOf == nil,
          !hasViews.contains(output.name)
        else { continue }
        for inputIndex in kernel.inPlaceCandidates(forOutput: outputIndex) {
          let name = kernel.inputs[inputIndex].buffer
          guard let inputPosition = index[name], let group = root[name], !taken.contains(name) else { continue }
          let input = program.buffers[inputPosition]
          guard input.kind == .activation || input.kind == .input, !hasViews.contains(name),
            input.layout == output.layout, input.byteCount == output.byteCount,
            input.type.dtype == output.type.dtype, groupLast[group] == position, groupHasOutput[group] == false
          else { continue }
          program.buffers[outputPosition].inPlaceOf = name
          taken.insert(name)
          root[output.name] = group
          groupLast[group] = max(position, output.live?.last ?? position)
          groupHasOutput[group] = output.kind == .output
          count += 1
          break
        }
      }
    }
    return count
  }

  /// Storage groups of the arena buffers (in-place chains merged), in order of first member.
  static func groups(_ program: KernelProgram, alignment: Int) -> [StorageGroup] {
    let index = program.bufferIndex
    func aligned(_ bytes: Int) -> Int {
      let (sum, overflow) = bytes.addingReportingOverflow(alignment - 1)
      return overflow ? Int.max : sum / alignment * alignment
    }
    // The first buffer of each in-place chain, memoised so that long chains stay linear.
    var rootCache: [String: String] = [:]
    func root(_ name: String) -> String {
      var current = name
      var seen: Set<String> = [name]
      var path: [String] = []
      while rootCache[current] == nil, let position = index[current],
        let previous = program.buffers[position].inPlaceOf, index[previous] != nil, seen.insert(previous).inserted
      {
        path.append(current)
        current = previous
      }
      let result = rootCache[current] ?? current
      for member in path { rootCache[member] = result }
      return result
    }
    var groupOf: [String: Int] = [:]
    var groups: [StorageGroup] = []
    for buffer in program.buffers where buffer.kind.ownsArenaStorage {
      let interval = buffer.live ?? LiveInterval(0, 0)
      let key = root(buffer.name)
      if let group = groupOf[key] {
        groups[group].members.append(buffer.name)
        groups[group].interval = LiveInterval(
          min(groups[group].interval.first, interval.first), max(groups[group].interval.last, interval.last))
        groups[group].bytes = max(groups[group].bytes, aligned(buffer.byteCount))
      } else {
        groupOf[key] = groups.count
        groups.append(StorageGroup(members: [buffer.name], interval: interval, bytes: aligned(buffer.byteCount)))
      }
    }
    return groups
  }
}
