// The dataflow graph of a kernel program: which kernels must run before which (a reader after
// the writer of each buffer it reads; the reader of a view base after every writer of its views),
// and, per storage (a view counts as its base), which kernels read it.

import KernelIR

struct KernelDependencies {
  /// Kernels each kernel waits for.
  var predecessors: [[Int]]
  /// Storage (buffer owning arena bytes) of every non-weight buffer.
  var storage: [String: String]
  /// Kernels reading each storage, with multiplicity removed.
  var readers: [String: Set<Int>]
  /// Storages each kernel reads and writes.
  var reads: [[String]]
  var writes: [[String]]

  init(_ program: KernelProgram) {
    var storage: [String: String] = [:]
    var views: [String: [String]] = [:]
    for buffer in program.buffers where !buffer.kind.isWeight {
      storage[buffer.name] = buffer.kind.viewBase ?? buffer.name
      if let base = buffer.kind.viewBase { views[base, default: []].append(buffer.name) }
    }
    var writer: [String: Int] = [:]
    for (index, kernel) in program.kernels.enumerated() {
      for name in kernel.writtenBuffers { writer[name] = index }
    }
    var predecessors = [[Int]](repeating: [], count: program.kernels.count)
    var readers: [String: Set<Int>] = [:]
    var reads = [[String]](repeating: [], count: program.kernels.count)
    var writes = [[String]](repeating: [], count: program.kernels.count)
    for (index, kernel) in program.kernels.enumerated() {
      var before = Set<Int>()
      for name in kernel.readBuffers {
        for source in views[name] ?? [name] {
          if let producer = writer[source], producer != index { before.insert(producer) }
        }
        if let root = storage[name] {
          readers[root, default: []].insert(index)
          if !reads[index].contains(root) { reads[index].append(root) }
        }
      }
      for name in kernel.writtenBuffers {
        if let root = storage[name], !writes[index].contains(root) { writes[index].append(root) }
      }
      predecessors[index] = before.sorted()
    }
    self.predecessors = predecessors
    self.storage = storage
    self.readers = readers
    self.reads = reads
    self.writes = writes
  }
}
