// Live intervals from the kernel order: a buffer is live from the first kernel that touches it
// (or a view of it) to the last one, inclusive. Graph inputs are live from kernel 0 (the runtime
// fills them before), graph outputs to the last kernel (the runtime reads them after). A buffer
// that is written but never read (e.g. a kernel's unused second output, case C31) is live for
// the whole of its producing kernel. Views get the interval of their own accesses; their base's
// interval covers them.

public enum Liveness {
  /// Interval of every buffer that is not a weight.
  public static func intervals(_ program: KernelProgram) -> [String: LiveInterval] {
    var accesses: [String: (Int, Int)] = [:]
    func touch(_ name: String, _ kernel: Int) {
      if let (first, last) = accesses[name] {
        accesses[name] = (min(first, kernel), max(last, kernel))
      } else {
        accesses[name] = (kernel, kernel)
      }
    }
    let buffers = program.bufferIndex
    for (index, kernel) in program.kernels.enumerated() {
      for name in kernel.readBuffers + kernel.writtenBuffers {
        touch(name, index)
        if let position = buffers[name], let base = program.buffers[position].kind.viewBase { touch(base, index) }
      }
    }
    let lastKernel = max(program.kernels.count - 1, 0)
    var result: [String: LiveInterval] = [:]
    for buffer in program.buffers where !buffer.kind.isWeight {
      var (first, last) = accesses[buffer.name] ?? (-1, -1)
      if buffer.kind == .input { first = 0 }
      if buffer.kind == .output { last = lastKernel }
      if first < 0 { first = last < 0 ? 0 : last }
      if last < first { last = first }
      result[buffer.name] = LiveInterval(first, last)
    }
    return result
  }

  /// Stores the intervals in the buffers.
  public static func assign(_ program: inout KernelProgram) {
    let computed = intervals(program)
    for index in program.buffers.indices {
      program.buffers[index].live = computed[program.buffers[index].name]
    }
  }
}
