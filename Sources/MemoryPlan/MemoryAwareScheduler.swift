// Memory-aware orders of the kernels (list scheduling). The growth of a ready kernel is the bytes
// it allocates (none for an output it can write in place over an input it reads last) minus the
// bytes it lets die. Two policies: `leastGrowth` runs the ready kernel of least growth;
// `freeingFirst` runs a kernel that shrinks the live bytes whenever one is ready (the one that
// shrinks them most), else keeps the original order. Ties keep the original order. In a U-Net
// decoder block, freeingFirst runs the 1x1 shortcut conv right after the first conv, in place over
// the upsampled half, which frees the skip before conv2 allocates.

import GraphIR
import KernelIR

enum MemoryAwareScheduler {
  enum Policy: String, CaseIterable {
    case leastGrowth = "memory-aware (least growth)"
    case freeingFirst = "memory-aware (freeing first)"
  }

  static func order(_ program: KernelProgram, policy: Policy) -> [Int] {
    let count = program.kernels.count
    let dependencies = KernelDependencies(program)
    let index = program.bufferIndex
    func bytes(_ name: String) -> Int { index[name].map { program.buffers[$0].byteCount } ?? 0 }
    func kind(_ name: String) -> BufferKind? { index[name].map { program.buffers[$0].kind } }
    var hasViews = Set<String>()
    for buffer in program.buffers {
      if let base = buffer.kind.viewBase { hasViews.insert(base) }
    }
    var remainingReaders = dependencies.readers
    var waiting = dependencies.predecessors.map(\.count)
    var successors = [[Int]](repeating: [], count: count)
    for (kernel, list) in dependencies.predecessors.enumerated() {
      for predecessor in list { successors[predecessor].append(kernel) }
    }
    var ready = Set((0..<count).filter { waiting[$0] == 0 })
    var order: [Int] = []
    var allocatedStorage = Set(program.buffers.filter { $0.kind == .input }.map(\.name))
    func lastReader(_ storage: String, _ kernel: Int) -> Bool {
      remainingReaders[storage].map { $0 == [kernel] } ?? false
    }
    func score(_ kernel: Int) -> Int {
      let body = program.kernels[kernel]
      var freed = Set<String>()
      for storage in dependencies.reads[kernel] where lastReader(storage, kernel) {
        if let kind = kind(storage), kind == .activation || kind == .input { freed.insert(storage) }
      }
      var allocated = 0
      var reused = Set<String>()
      var basesCounted = Set<String>()
      for (position, operand) in body.outputs.enumerated() {
        guard let storage = dependencies.storage[operand.buffer] else { continue }
        if storage != operand.buffer {
          // Writes a view: its base is allocated by the first writer.
          if !allocatedStorage.contains(storage) && basesCounted.insert(storage).inserted {
            allocated = SaturatingSize.add(allocated, bytes(storage))
          }
          continue
        }
        let candidate = body.inPlaceCandidates(forOutput: position).map { body.inputs[$0].buffer }.first { input in
          freed.contains(input) && !reused.contains(input) && !hasViews.contains(input)
            && !hasViews.contains(operand.buffer) && index[input].map { program.buffers[$0].layout }
              == index[operand.buffer].map { program.buffers[$0].layout } && bytes(input) == bytes(operand.buffer)
        }
        if let candidate {
          reused.insert(candidate)
        } else {
          allocated = SaturatingSize.add(allocated, bytes(operand.buffer))
        }
      }
      let released = SaturatingSize.sum(freed.subtracting(reused).map(bytes))
      return SaturatingSize.subtract(allocated, released)
    }
    while !ready.isEmpty {
      let scores = Dictionary(uniqueKeysWithValues: ready.map { ($0, score($0)) })
      let chosen: Int?
      switch policy {
      case .leastGrowth:
        chosen = ready.min { (scores[$0] ?? 0, $0) < (scores[$1] ?? 0, $1) }
      case .freeingFirst:
        let shrinking = ready.filter { (scores[$0] ?? 0) < 0 }
        chosen = shrinking.isEmpty ? ready.min() : shrinking.min { (scores[$0] ?? 0, $0) < (scores[$1] ?? 0, $1) }
      }
      guard let next = chosen else { break }
      ready.remove(next)
      order.append(next)
      for storage in dependencies.reads[next] { remainingReaders[storage]?.remove(next) }
      allocatedStorage.formUnion(dependencies.writes[next])
      for successor in successors[next] {
        waiting[successor] -= 1
        if waiting[successor] == 0 { ready.insert(successor) }
      }
    }
    return order.count == count ? order : Array(0..<count)
  }
}
