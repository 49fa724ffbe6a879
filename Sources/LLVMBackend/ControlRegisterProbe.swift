// A JIT'd reader of the x86 MXCSR register (llvm.x86.sse.stmxcsr), independent of the C library:
// tile t stores the calling thread's MXCSR bits into element t of its buffer (as the bit pattern
// of a float). Used to verify that kernel threads run with flush-to-zero and denormals-are-zero
// (case C34). Only for x86 targets.

public struct ControlRegisterProbe: KernelGenerator {
  public let slots: Int

  public init(slots: Int) throws {
    guard slots > 0 else { throw BackendError.invalidSpec(kernel: "mxcsr probe", reason: "needs at least one slot") }
    self.slots = slots
  }

  public var kernelName: String { "stunetc_read_mxcsr_\(slots)" }
  public var tileCount: Int { slots }
  public var flopCount: Int { 0 }
  public var buffers: [KernelBufferDescriptor] { [KernelBufferDescriptor(name: "mxcsr", elementCount: slots, access: .write)] }

  public func emitBody(_ b: KernelFunctionBuilder) throws {
    guard b.target.triple.hasPrefix("x86_64") else {
      throw BackendError.unsupportedTarget(kernel: kernelName, reason: "MXCSR exists only on x86-64")
    }
    let slot = b.variable(b.int32Type)
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      _ = b.callIntrinsic("llvm.x86.sse.stmxcsr", overloadedOn: nil, arguments: [slot])
      b.storeFloat(b.bitcast(b.read(slot, b.int32Type), to: b.floatType), b.bufferArguments[0], tile)
    }
  }

  /// The MXCSR value stored in slot `index` of the buffer.
  public static func value(in buffer: UnsafeBufferPointer<Float>, at index: Int) -> UInt32 { buffer[index].bitPattern }
}
