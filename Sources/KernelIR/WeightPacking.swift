// Packs checkpoint weights into the layouts kernels read (done once at compile time; the JIT and
// the AOT weights file use these functions), and unpacks them for checks.
//
// Conv weights [O, I, kd, kh, kw] -> OIDHW<ib>i<ob>o: [ceil(O/ob)][sum_j ceil(I_j/ib)][kd][kh][kw][ib][ob].
// The input channels are split into segments I_j, one per concatenated input; each segment is
// padded to whole blocks on its own, because each input buffer pads its own channels. With ib = 1
// (OIDHW<ob>o) input channels are not blocked. Vectors [C] -> C<b>: zero-padded to whole blocks.
// Every padding position holds 0, so vector code may multiply whole blocks.

import TensorCore

public enum WeightPacking {
  /// Element positions of a packed conv weight.
  public struct ConvolutionWeightIndexer: Sendable {
    public let outputChannels: Int
    public let inputChannels: Int
    public let kernelVolume: Int
    public let inputBlock: Int
    public let outputBlock: Int
    /// Padded input-channel position of each (unpadded) input channel.
    public let paddedInput: [Int]
    public let paddedInputChannels: Int
    public let paddedOutputChannels: Int

    public init(shape: [Int], inputBlock: Int, outputBlock: Int, segments: [Int]?) throws {
      guard shape.count == 5, shape.allSatisfy({ $0 >= 1 }), inputBlock >= 1, outputBlock >= 1 else {
        throw KernelIRError(.packing, at: "conv weight \(shape)", "needs a 5-D shape [O, I, kd, kh, kw] and blocks >= 1")
      }
      let parts = segments ?? [shape[1]]
      guard parts.allSatisfy({ $0 >= 1 }), parts.reduce(0, +) == shape[1] else {
        throw KernelIRError(.packing, at: "conv weight \(shape)", "segments \(parts) do not add up to \(shape[1]) input channels")
      }
      outputChannels = shape[0]
      inputChannels = shape[1]
      kernelVolume = shape[2] * shape[3] * shape[4]
      self.inputBlock = inputBlock
      self.outputBlock = outputBlock
      var positions: [Int] = []
      var start = 0
      for part in parts {
        for local in 0..<part { positions.append(start + local) }
        start += (part + inputBlock - 1) / inputBlock * inputBlock
      }
      paddedInput = positions
      paddedInputChannels = start
      paddedOutputChannels = (outputChannels + outputBlock - 1) / outputBlock * outputBlock
    }

    public var packedCount: Int { paddedOutputChannels * paddedInputChannels * kernelVolume }

    /// Position of weight (output channel o, input channel i, tap t = (kd*kh_size + kh)*kw_size + kw).
    @inline(__always)
    public func index(output o: Int, input i: Int, tap t: Int) -> Int {
      let p = paddedInput[i]
      let outerBlock = (o / outputBlock) * (paddedInputChannels / inputBlock) + p / inputBlock
      return ((outerBlock * kernelVolume + t) * inputBlock + p % inputBlock) * outputBlock + o % outputBlock
    }
  }

  /// Packs `tensor` (checkpoint layout) for a weight buffer of `layout`.
  public static func pack(_ tensor: Tensor, into layout: Layout, segments: [Int]? = nil) throws -> [Float] {
    switch layout {
    case .rowMajor:
      return tensor.data
    case .paddedVector(let block):
      guard tensor.rank == 1 else {
        throw KernelIRError(.packing, at: "tensor \(tensor.shape)", "layout C\(block) packs vectors only")
      }
      let padded = (tensor.count + block - 1) / block * block
      return tensor.data + [Float](repeating: 0, count: padded - tensor.count)
    case .packedConvWeight(let inputBlock, let outputBlock):
      let indexer = try ConvolutionWeightIndexer(
        shape: tensor.shape, inputBlock: inputBlock, outputBlock: outputBlock, segments: segments)
      var packed = [Float](repeating: 0, count: indexer.packedCount)
      let taps = indexer.kernelVolume
      // index(o, i, t) = index(o, i, 0) + t * ib * ob: one base per (o, i), then a strided run
      // (unchecked pointers: 1.46 G weights for STU-Net-H).
      let tapStride = inputBlock * outputBlock
      tensor.data.withUnsafeBufferPointer { sourceBuffer in
        packed.withUnsafeMutableBufferPointer { packedBuffer in
          guard let source = sourceBuffer.baseAddress, let target = packedBuffer.baseAddress else { return }
          for o in 0..<indexer.outputChannels {
            for i in 0..<indexer.inputChannels {
              let from = source + (o * indexer.inputChannels + i) * taps
              let to = target + indexer.index(output: o, input: i, tap: 0)
              for t in 0..<taps { to[t * tapStride] = from[t] }
            }
          }
        }
      }
      return packed
    case .channelBlocked(let block):
      throw KernelIRError(.packing, at: "tensor \(tensor.shape)", "NCDHW\(block)c is an activation layout, not a weight layout")
    }
  }

  /// Packs the tensor for `buffer`, checking that its shape is the buffer's logical shape.
  public static func pack(_ tensor: Tensor, for buffer: KernelBuffer) throws -> [Float] {
    guard tensor.shape == buffer.type.shape else {
      throw KernelIRError(
        .packing, at: "buffer @\(buffer.name)", "the weights have shape \(tensor.shape), the buffer needs \(buffer.type.shape)")
    }
    let packed = try pack(tensor, into: buffer.layout, segments: buffer.segments)
    guard packed.count * buffer.type.dtype.byteSize == buffer.byteCount else {
      throw KernelIRError(.packing, at: "buffer @\(buffer.name)", "packed \(packed.count) values for \(buffer.byteCount) bytes")
    }
    return packed
  }

  /// The inverse of `pack` (padding dropped).
  public static func unpack(_ packed: [Float], shape: [Int], layout: Layout, segments: [Int]? = nil) throws -> Tensor {
    let count = shape.reduce(1, *)
    switch layout {
    case .rowMajor:
      return try Tensor(validatingShape: shape, data: packed)
    case .paddedVector:
      guard shape.count == 1, packed.count >= count else {
        throw KernelIRError(.packing, at: "tensor \(shape)", "\(packed.count) packed values are too few")
      }
      return try Tensor(validatingShape: shape, data: Array(packed[0..<count]))
    case .packedConvWeight(let inputBlock, let outputBlock):
      let indexer = try ConvolutionWeightIndexer(
        shape: shape, inputBlock: inputBlock, outputBlock: outputBlock, segments: segments)
      guard packed.count == indexer.packedCount else {
        throw KernelIRError(.packing, at: "tensor \(shape)", "expected \(indexer.packedCount) packed values, got \(packed.count)")
      }
      var data = [Float](repeating: 0, count: count)
      let taps = indexer.kernelVolume
      for o in 0..<indexer.outputChannels {
        for i in 0..<indexer.inputChannels {
          for t in 0..<taps {
            data[(o * indexer.inputChannels + i) * taps + t] = packed[indexer.index(output: o, input: i, tap: t)]
          }
        }
      }
      return try Tensor(validatingShape: shape, data: data)
    case .channelBlocked(let block):
      throw KernelIRError(.packing, at: "tensor \(shape)", "NCDHW\(block)c is an activation layout, not a weight layout")
    }
  }
}
