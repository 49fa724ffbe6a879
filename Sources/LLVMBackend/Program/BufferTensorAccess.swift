// Copies a program buffer between its run-time storage (at its location, in its layout, through
// its view's channel range) and a dense row-major Tensor: the graph inputs going in, outputs
// coming out of the arena, and the operands of kernels the interpreter runs. Mirrors the kernel
// interpreter's buffer access: writing a blocked buffer zeroes the padding lanes it owns;
// integer buffers hold exact integers (i64 indices are stored as Int64, read back as Float).
import GraphIR
import KernelIR
import TensorCore

struct BufferTensorAccess {
  let buffer: KernelBuffer
  let batch: Int
  let channels: Int
  let voxels: Int
  let block: Int
  let sampleStride: Int
  let ownsPadding: Bool
  let storageBlocks: Int

  init(_ buffer: KernelBuffer, in program: KernelProgram) throws {
    let shape = buffer.type.shape
    guard let block = buffer.layout.channelBlock else {
      throw JITProgramError.unsupportedBuffer(buffer.name, "layout \(buffer.layout.name(rank: shape.count)) is not an activation layout")
    }
    switch buffer.type.dtype {
    case .f32, .i64, .i32, .u8: break
    case .f16: throw JITProgramError.unsupportedBuffer(buffer.name, "f16 buffers are not supported")
    }
    self.buffer = buffer
    self.block = block
    if shape.count >= 2 {
      batch = shape[0]
      channels = shape[1]
      voxels = shape.dropFirst(2).reduce(1, *)
    } else {
      batch = 1
      channels = 1
      voxels = shape.reduce(1, *)
    }
    var storageChannels = channels
    var channelOffset = 0
    if case .view(let baseName, let offset) = buffer.kind, let base = program.buffer(named: baseName) {
      storageChannels = base.type.shape[1]
      channelOffset = offset
    }
    storageBlocks = (storageChannels + block - 1) / block
    sampleStride = storageBlocks * block * voxels
    ownsPadding = channelOffset + channels == storageChannels
  }

  /// Element index of (n, c, v) relative to the buffer's first element.
  @inline(__always)
  func index(_ n: Int, _ c: Int, _ v: Int) -> Int {
    n * sampleStride + ((c / block) * voxels + v) * block + c % block
  }

  func read(from storage: UnsafeMutableRawPointer) -> Tensor {
    var values = [Float](repeating: 0, count: batch * channels * voxels)
    values.withUnsafeMutableBufferPointer { target in
      var position = 0
      for n in 0..<batch {
        for c in 0..<channels {
          for v in 0..<voxels {
            target[position] = load(storage, index(n, c, v))
            position += 1
          }
        }
      }
    }
    return Tensor(shape: buffer.type.shape, data: values, dtype: buffer.type.dtype)
  }

  func write(_ tensor: Tensor, to storage: UnsafeMutableRawPointer) {
    tensor.data.withUnsafeBufferPointer { source in
      var position = 0
      for n in 0..<batch {
        for c in 0..<channels {
          for v in 0..<voxels {
            store(storage, index(n, c, v), source[position])
            position += 1
          }
        }
      }
    }
    guard block > 1, ownsPadding else { return }
    for n in 0..<batch {
      for c in channels..<((channels + block - 1) / block * block) {
        for v in 0..<voxels { store(storage, index(n, c, v), 0) }
      }
    }
  }

  @inline(__always)
  private func load(_ storage: UnsafeMutableRawPointer, _ index: Int) -> Float {
    switch buffer.type.dtype {
    case .i64: return Float(storage.assumingMemoryBound(to: Int64.self)[index])
    case .i32: return Float(storage.assumingMemoryBound(to: Int32.self)[index])
    case .u8: return Float(storage.assumingMemoryBound(to: UInt8.self)[index])
    default: return storage.assumingMemoryBound(to: Float.self)[index]
    }
  }

  @inline(__always)
  private func store(_ storage: UnsafeMutableRawPointer, _ index: Int, _ value: Float) {
    switch buffer.type.dtype {
    case .i64: storage.assumingMemoryBound(to: Int64.self)[index] = BufferTensorAccess.integer(value)
    case .i32: storage.assumingMemoryBound(to: Int32.self)[index] = Int32(truncatingIfNeeded: BufferTensorAccess.integer(value))
    case .u8: storage.assumingMemoryBound(to: UInt8.self)[index] = UInt8(clamping: BufferTensorAccess.integer(value))
    default: storage.assumingMemoryBound(to: Float.self)[index] = value
    }
  }

  /// The integer nearest `value` toward zero, clamped to Int64; NaN gives 0 (as the interpreter).
  static func integer(_ value: Float) -> Int64 {
    if value.isNaN { return 0 }
    if value >= 9.2e18 { return .max }
    if value <= -9.2e18 { return .min }
    return Int64(value)
  }
}
