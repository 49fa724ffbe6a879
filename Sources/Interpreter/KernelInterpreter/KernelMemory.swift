// The memory a Kernel IR program runs in: one 64-byte aligned arena with every buffer at its
// planned offset (in-place pairs and views sharing bytes exactly as planned), or, with planning
// off, one allocation per buffer. Weights are packed into their own allocations with
// `WeightPacking`, exactly as the JIT packs them. Poisoning fills fresh memory with NaN so a
// kernel that reads bytes nobody wrote shows up in the results.

import GraphIR
import KernelIR
import TensorCore

public enum KernelMemoryMode: Sendable {
  /// Every arena buffer at its planned offset in one allocation (needs a memory plan).
  case arena
  /// Every buffer in its own allocation, nothing shared (no plan needed).
  case separateAllocations
}

/// Where a buffer's elements are: the storage of its base (itself unless a view) plus how to
/// find element (n, c, voxel) in it.
struct BufferAddress {
  let storage: UnsafeMutableRawPointer
  let type: TensorType
  let layout: Layout
  /// First channel of this buffer in the storage's channel axis (views), and that axis' length.
  let channelOffset: Int
  let storageChannels: Int
}

final class KernelMemory {
  private var allocations: [UnsafeMutableRawPointer] = []
  private(set) var addresses: [String: BufferAddress] = [:]

  init(program: KernelProgram, mode: KernelMemoryMode, packedWeights: [String: [Float]], poison: Bool) throws {
    let alignment = max(program.target.alignment, 64)
    func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
      let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, alignment), alignment: alignment)
      if poison {
        pointer.initializeMemory(as: UInt32.self, repeating: 0x7FC0_0001, count: max(bytes, alignment) / 4)
      } else {
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, alignment))
      }
      allocations.append(pointer)
      return pointer
    }
    var storages: [String: UnsafeMutableRawPointer] = [:]
    switch mode {
    case .arena:
      guard let arenaBytes = program.arenaBytes else {
        throw KernelInterpreterError.unplanned(
          "some arena buffer has no offset; run MemoryPlanner.plan first, or use .separateAllocations")
      }
      let arena = allocate(arenaBytes)
      for buffer in program.buffers where buffer.kind.ownsArenaStorage {
        guard let offset = buffer.offset else { continue }
        storages[buffer.name] = arena + offset
      }
    case .separateAllocations:
      for buffer in program.buffers where buffer.kind.ownsArenaStorage {
        storages[buffer.name] = allocate(buffer.byteCount)
      }
    }
    for buffer in program.buffers {
      switch buffer.kind {
      case .weight:
        guard let values = packedWeights[buffer.name] else {
          throw KernelInterpreterError.missingWeight(buffer.name, buffer.type)
        }
        let pointer = allocate(values.count * 4)
        values.withUnsafeBytes { bytes in
          if let source = bytes.baseAddress { pointer.copyMemory(from: source, byteCount: bytes.count) }
        }
        addresses[buffer.name] = BufferAddress(
          storage: pointer, type: buffer.type, layout: buffer.layout, channelOffset: 0,
          storageChannels: buffer.type.rank > 1 ? buffer.type.shape[1] : 1)
      case .view(let base, let channelOffset):
        guard let storage = storages[base], let baseBuffer = program.buffer(named: base) else {
          throw KernelInterpreterError.unplanned("view %\(buffer.name) has no base storage")
        }
        addresses[buffer.name] = BufferAddress(
          storage: storage, type: buffer.type, layout: buffer.layout, channelOffset: channelOffset,
          storageChannels: baseBuffer.type.shape[1])
      default:
        guard let storage = storages[buffer.name] else {
          throw KernelInterpreterError.unplanned("%\(buffer.name) has no storage")
        }
        addresses[buffer.name] = BufferAddress(
          storage: storage, type: buffer.type, layout: buffer.layout, channelOffset: 0,
          storageChannels: buffer.type.rank > 1 ? buffer.type.shape[1] : 1)
      }
    }
  }

  deinit {
    for pointer in allocations { pointer.deallocate() }
  }

  func address(_ name: String) throws -> BufferAddress {
    guard let address = addresses[name] else { throw KernelInterpreterError.unplanned("%\(name) has no storage") }
    return address
  }
}
