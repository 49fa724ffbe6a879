// Prints a Kernel IR program as text (format in Docs/kernel-ir.md). Deterministic: buffers and
// kernels in program order, attributes sorted by key. The parser reads it back to an identical
// program. Each kernel line ends with a `// k<index>` comment (the index live intervals refer
// to), and the dump ends with the memory summary, recomputed from the program.

import GraphIR

public enum KernelPrinter {
  public static func print(_ program: KernelProgram) -> String {
    var lines = ["kernels @\(program.name) {"]
    lines.append("  target " + dictionary(program.target.attributes))
    for buffer in program.buffers {
      lines.append("  " + print(buffer))
    }
    let bufferIndex = program.bufferIndex
    for (index, kernel) in program.kernels.enumerated() {
      lines.append("  " + print(kernel, buffers: program, bufferIndex: bufferIndex) + "  // k\(index)")
    }
    if !program.outputs.isEmpty {
      lines.append("  output " + program.outputs.map { "%" + $0 }.joined(separator: ", "))
    }
    lines.append("}")
    lines += MemorySummary(program).lines(kernels: program.kernels)
    return lines.joined(separator: "\n") + "\n"
  }

  public static func print(_ buffer: KernelBuffer) -> String {
    var text = "buffer \(buffer.reference) : \(buffer.type) \(buffer.layout.name(rank: buffer.type.rank)) "
    switch buffer.kind {
    case .input: text += "input"
    case .output: text += "output"
    case .activation: text += "activation"
    case .weight(let parameter): text += "weight(@\(parameter))"
    case .view(let base, let channelOffset): text += "view(%\(base), \(channelOffset))"
    }
    if let previous = buffer.inPlaceOf { text += " inplace(%\(previous))" }
    var fields: [String: Attribute] = ["bytes": .int(buffer.byteCount)]
    if let segments = buffer.segments { fields["segments"] = .ints(segments) }
    if let live = buffer.live { fields["live"] = .ints([live.first, live.last]) }
    if let offset = buffer.offset { fields["offset"] = .int(offset) }
    return text + " " + dictionary(fields)
  }

  public static func print(_ kernel: Kernel, buffers program: KernelProgram) -> String {
    print(kernel, buffers: program, bufferIndex: program.bufferIndex)
  }

  static func print(_ kernel: Kernel, buffers program: KernelProgram, bufferIndex index: [String: Int]) -> String {
    func operand(_ operand: KernelOperand) -> String {
      let sigil = index[operand.buffer].map { BufferGeometry.sigil(program.buffers[$0].kind) } ?? "%"
      return "\(operand.role): \(sigil)\(operand.buffer)"
    }
    var text = "kernel \(kernel.kind.rawValue)(" + kernel.inputs.map(operand).joined(separator: ", ") + ") -> ("
    text += kernel.outputs.map(operand).joined(separator: ", ") + ")"
    if !kernel.attributes.isEmpty { text += " " + dictionary(kernel.attributes) }
    text += " cost " + dictionary(["flops": .int(kernel.flops), "bytes": .int(kernel.bytesMoved)])
    return text
  }

  static func dictionary(_ attributes: [String: Attribute]) -> String {
    "{" + attributes.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "}"
  }
}
