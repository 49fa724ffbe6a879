// Removes kernels none of whose results is needed: not a program output and not read by a live
// kernel (the deep-supervision heads of an unoptimised STU-Net graph). A kernel with one needed
// and one unneeded result stays, and its unneeded result keeps its buffer (case C31). Buffers no
// kernel touches any more are dropped, except graph inputs.

enum DeadKernelElimination {
  static func run(_ program: inout KernelProgram) {
    let index = program.bufferIndex
    var views: [String: [String]] = [:]
    for buffer in program.buffers {
      if let base = buffer.kind.viewBase { views[base, default: []].append(buffer.name) }
    }
    func base(_ name: String) -> String? { index[name].flatMap { program.buffers[$0].kind.viewBase } }
    var needed = Set(program.outputs)
    for output in program.outputs { needed.formUnion(views[output] ?? []) }
    var keep = [Bool](repeating: false, count: program.kernels.count)
    for position in program.kernels.indices.reversed() {
      let kernel = program.kernels[position]
      let live = kernel.writtenBuffers.contains { needed.contains($0) || base($0).map(needed.contains) == true }
      guard live else { continue }
      keep[position] = true
      for name in kernel.readBuffers {
        needed.insert(name)
        needed.formUnion(views[name] ?? [])
        if let base = base(name) { needed.insert(base) }
      }
    }
    program.kernels = program.kernels.indices.filter { keep[$0] }.map { program.kernels[$0] }
    var touched = Set(program.kernels.flatMap { $0.readBuffers + $0.writtenBuffers })
    for buffer in program.buffers where touched.contains(buffer.name) {
      if let base = buffer.kind.viewBase { touched.insert(base) }
    }
    program.buffers.removeAll { !touched.contains($0.name) && $0.kind != .input && $0.kind != .output }
  }
}
