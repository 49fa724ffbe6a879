// Reads a buffer into a dense row-major array of its logical shape, and writes one back, in the
// buffer's layout (NCDHW or NCDHW<b>c, through a view's channel range when it is one). Writing a
// blocked buffer also zeroes its padding channels (the layout's invariant), unless a view does not
// own them. Integer element types are converted to and from Float.

import GraphIR
import KernelIR
import TensorCore

enum BufferAccess {
  /// Geometry of a buffer as [N, C, S] plus where element (n, c, s) is in its storage.
  struct Geometry {
    let batch: Int
    let channels: Int
    let spatial: Int
    let block: Int
    let channelOffset: Int
    let storageBlocks: Int
    let storageChannels: Int

    init(_ address: BufferAddress) throws {
      let shape = address.type.shape
      guard let block = address.layout.channelBlock else {
        throw KernelInterpreterError.unsupported("%layout \(address.layout.name(rank: shape.count)) is not an activation layout")
      }
      if shape.count >= 2 {
        batch = shape[0]
        channels = shape[1]
        spatial = shape.dropFirst(2).reduce(1, *)
      } else {
        batch = 1
        channels = 1
        spatial = shape.reduce(1, *)
      }
      self.block = block
      channelOffset = address.channelOffset
      storageChannels = shape.count >= 2 ? address.storageChannels : 1
      storageBlocks = (storageChannels + block - 1) / block
    }

    @inline(__always)
    func index(_ n: Int, _ c: Int, _ s: Int) -> Int {
      let channel = c + channelOffset
      return ((n * storageBlocks + channel / block) * spatial + s) * block + channel % block
    }
  }

  static func read(_ address: BufferAddress) throws -> [Float] {
    let geometry = try Geometry(address)
    let count = geometry.batch * geometry.channels * geometry.spatial
    var values = [Float](repeating: 0, count: count)
    try values.withUnsafeMutableBufferPointer { target in
      try withElements(address) { load, _ in
        var position = 0
        for n in 0..<geometry.batch {
          for c in 0..<geometry.channels {
            let base = geometry.index(n, c, 0)
            for s in 0..<geometry.spatial {
              target[position] = load(base + s * geometry.block)
              position += 1
            }
          }
        }
      }
    }
    return values
  }

  static func write(_ values: [Float], to address: BufferAddress) throws {
    let geometry = try Geometry(address)
    guard values.count == geometry.batch * geometry.channels * geometry.spatial else {
      throw KernelInterpreterError.unsupported("internal: \(values.count) values for \(address.type)")
    }
    try withElements(address) { _, store in
      var position = 0
      for n in 0..<geometry.batch {
        for c in 0..<geometry.channels {
          let base = geometry.index(n, c, 0)
          for s in 0..<geometry.spatial {
            store(base + s * geometry.block, values[position])
            position += 1
          }
        }
      }
      // Padding channels of the storage belong to whoever writes its last channel.
      let ownsPadding = geometry.channelOffset + geometry.channels == geometry.storageChannels
      if geometry.block > 1 && ownsPadding {
        for n in 0..<geometry.batch {
          for channel in geometry.storageChannels..<(geometry.storageBlocks * geometry.block) {
            let base = ((n * geometry.storageBlocks + channel / geometry.block) * geometry.spatial) * geometry.block
              + channel % geometry.block
            for s in 0..<geometry.spatial { store(base + s * geometry.block, 0) }
          }
        }
      }
    }
  }

  /// Calls `body` with element load/store functions for the buffer's element type.
  static func withElements(
    _ address: BufferAddress, _ body: ((Int) -> Float, (Int, Float) -> Void) throws -> Void
  ) throws {
    let raw = address.storage
    switch address.type.dtype {
    case .f32:
      let pointer = raw.assumingMemoryBound(to: Float.self)
      try body({ pointer[$0] }, { pointer[$0] = $1 })
    case .i64:
      let pointer = raw.assumingMemoryBound(to: Int64.self)
      try body({ Float(pointer[$0]) }, { pointer[$0] = Int64(clamping: $1) })
    case .i32:
      let pointer = raw.assumingMemoryBound(to: Int32.self)
      try body({ Float(pointer[$0]) }, { pointer[$0] = Int32(truncatingIfNeeded: Int64(clamping: $1)) })
    case .u8:
      let pointer = raw.assumingMemoryBound(to: UInt8.self)
      try body({ Float(pointer[$0]) }, { pointer[$0] = UInt8(clamping: Int64(clamping: $1)) })
    case .f16:
      throw KernelInterpreterError.unsupported("f16 buffers are not supported by the kernel interpreter")
    }
  }

  /// The first `count` values of a weight buffer (packed vectors keep their values first).
  static func vector(_ address: BufferAddress, count: Int) -> [Float] {
    let pointer = address.storage.assumingMemoryBound(to: Float.self)
    return (0..<count).map { pointer[$0] }
  }

  static func tensor(_ address: BufferAddress) throws -> Tensor {
    Tensor(shape: address.type.shape, data: try read(address), dtype: address.type.dtype)
  }
}

extension Int64 {
  /// The integer nearest `value` toward zero, clamped to Int64's range; NaN gives 0.
  init(clamping value: Float) {
    if value.isNaN {
      self = 0
    } else if value >= 9.2e18 {
      self = .max
    } else if value <= -9.2e18 {
      self = .min
    } else {
      self = Int64(value)
    }
  }
}
