// What lowering one Kernel IR kernel to a generator needs from the whole program: each buffer's
// location (arena offset, packed weight, or caller's output array), its addressing, scratch
// reservations, the thread count (tile counts are sized for it) and the LLVM target (register
// budget). Lowering a kernel yields a `LoweredKernel`, or a reason why the interpreter runs it.
import KernelIR
import TensorCore

struct LoweredKernel {
  var generator: KernelGenerator
  var slots: SlotAssignment
  /// Work on the calling thread before the kernel (e.g. instance-norm coefficients).
  var prologue: HostStep?
  /// Work on the calling thread after the kernel (e.g. merging statistics partials).
  var epilogue: HostStep?
}

/// Why a kernel runs in the interpreter instead.
struct FallbackReason: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

final class ProgramLoweringContext {
  let program: KernelProgram
  let locations: [String: BufferLocation]
  let threads: Int
  let target: TargetDescription
  let unrolledLanes: Bool
  private(set) var scratchFloats = 0

  init(program: KernelProgram, locations: [String: BufferLocation], threads: Int, target: TargetDescription, unrolledLanes: Bool) {
    self.unrolledLanes = unrolledLanes
    self.program = program
    self.locations = locations
    self.threads = threads
    self.target = target
  }

  /// Reserves `count` floats (64-byte aligned) of per-program scratch.
  func reserveScratch(floats count: Int) -> BufferLocation {
    let offset = scratchFloats * 4
    scratchFloats += (max(count, 1) + 15) / 16 * 16
    return BufferLocation(storage: .scratch, byteOffset: offset)
  }

  func buffer(_ name: String) throws -> KernelBuffer {
    guard let buffer = program.buffer(named: name) else { throw FallbackReason("%\(name) is not declared") }
    return buffer
  }

  func location(_ name: String) throws -> BufferLocation {
    guard let location = locations[name] else { throw FallbackReason("%\(name) has no storage") }
    return location
  }

  /// The addressing of an f32 activation operand, or a reason it cannot be read by JIT kernels.
  func activation(_ name: String, dtype: DType = .f32) throws -> ActivationAddressing {
    let buffer = try buffer(name)
    guard let addressing = ActivationAddressing(buffer, in: program) else {
      throw FallbackReason("%\(name) has layout \(buffer.layout.name(rank: buffer.type.rank)) at rank \(buffer.type.rank)")
    }
    guard addressing.dtype == dtype else { throw FallbackReason("%\(name) holds \(addressing.dtype.rawValue), not \(dtype.rawValue)") }
    return addressing
  }

  /// Slot of buffer `name` (element count from its byte size).
  func slot(_ name: String, in slots: inout SlotAssignment) throws -> Int {
    let buffer = try buffer(name)
    return slots.slot(try location(name), elements: buffer.byteCount / 4)
  }

  /// Whether two arena buffers' bytes overlap (views and in-place pairs do).
  func overlaps(_ first: String, _ second: String) -> Bool {
    guard let a = locations[first], let b = locations[second], a.storage == b.storage,
      let sizeA = program.buffer(named: first)?.byteCount, let sizeB = program.buffer(named: second)?.byteCount
    else { return false }
    return a.byteOffset < b.byteOffset + sizeB && b.byteOffset < a.byteOffset + sizeA
  }

  /// Tiles to aim for: enough chunks that a descheduled thread does not hold up the others.
  var targetTiles: Int { max(16, 8 * threads) }
}
