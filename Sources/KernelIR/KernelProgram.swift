// A Kernel IR program: the target it was lowered for, its buffers, its kernels in execution
// order, and the buffers it returns. Produced by `Lowering.lower`, given offsets by the memory
// planner, executed by the kernel interpreter and (later) the LLVM backend.

import GraphIR

public struct KernelProgram: Hashable, Sendable {
  public var name: String
  public var target: TargetDescription
  public var buffers: [KernelBuffer]
  public var kernels: [Kernel]
  /// Buffers holding the graph outputs, in the graph's output order.
  public var outputs: [String]

  public init(
    name: String, target: TargetDescription, buffers: [KernelBuffer] = [], kernels: [Kernel] = [],
    outputs: [String] = []
  ) {
    self.name = name
    self.target = target
    self.buffers = buffers
    self.kernels = kernels
    self.outputs = outputs
  }

  /// Index of each buffer by name (the first one, if a malformed program repeats a name).
  public var bufferIndex: [String: Int] {
    var index: [String: Int] = [:]
    for (position, buffer) in buffers.enumerated() where index[buffer.name] == nil { index[buffer.name] = position }
    return index
  }

  public func buffer(named name: String) -> KernelBuffer? {
    buffers.first { $0.name == name }
  }

  /// Graph inputs in declaration order.
  public var inputBuffers: [KernelBuffer] { buffers.filter { $0.kind == .input } }

  /// Weight buffers (name, parameter) in declaration order.
  public var weightBuffers: [KernelBuffer] { buffers.filter { $0.kind.isWeight } }

  /// Bytes of the arena: the end of the highest arena buffer, rounded up to the alignment; nil
  /// while some arena buffer has no offset.
  public var arenaBytes: Int? {
    var end = 0
    for buffer in buffers where buffer.kind.ownsArenaStorage {
      guard let offset = buffer.offset else { return nil }
      guard let bufferEnd = CheckedSize.sum([offset, buffer.byteCount]) else { return nil }
      end = max(end, bufferEnd)
    }
    return CheckedSize.aligned(end, target.alignment)
  }

  /// The buffer whose bytes a buffer uses: a view's base, else itself.
  public func storageName(of name: String) -> String {
    if let buffer = buffer(named: name), case .view(let base, _) = buffer.kind { return base }
    return name
  }

  /// Total estimated floating-point operations.
  public var totalFlops: Int { SaturatingSize.sum(kernels.map(\.flops)) }
}
