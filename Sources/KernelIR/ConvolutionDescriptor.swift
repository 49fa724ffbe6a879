// The geometry of a convolution kernel, read from its operands and attributes: per-input channel
// counts, kernel size, stride, padding, the optional nearest-upsampling of the input, and the
// output size. Shared by the verifier, the cost model, the interpreter and code generators, so
// they all agree on what `conv3d_*` computes.

import GraphIR

public struct ConvolutionDescriptor: Hashable, Sendable {
  public var batch: Int
  /// Channel count of each concatenated input, in order.
  public var inputChannels: [Int]
  public var outputChannels: Int
  /// Stored spatial size of the inputs (before upsampling).
  public var storedInputSize: [Int]
  /// Nearest-upsampling factor applied when reading the inputs (1,1,1: none).
  public var upsample: [Int]
  public var kernelSize: [Int]
  public var stride: [Int]
  /// D before, D after, H before, H after, W before, W after.
  public var padding: [Int]
  public var outputSize: [Int]

  public var totalInputChannels: Int { SaturatingSize.sum(inputChannels) }
  /// Spatial size the convolution sees: stored size times the upsampling factor.
  public var inputSize: [Int] { zip(storedInputSize, upsample).map { $0 * $1 } }
  public var kernelVolume: Int { kernelSize.reduce(1) { SaturatingSize.multiply($0, $1) } }
  public var outputVoxels: Int { outputSize.reduce(1) { SaturatingSize.multiply($0, $1) } }
  public var isPointwise: Bool { kernelSize == [1, 1, 1] }

  /// Multiply-accumulates (weight MACs, STUNET.md §5's convention); Int.max when that overflows.
  public var multiplyAccumulates: Int {
    [batch, outputChannels, totalInputChannels, kernelVolume].reduce(outputVoxels) { SaturatingSize.multiply($0, $1) }
  }

  /// Reads the geometry of `kernel` in `program`; throws a message naming the kernel on any mismatch.
  public init(_ kernel: Kernel, in program: KernelProgram, location: String) throws {
    try self.init(kernel, in: program, bufferIndex: program.bufferIndex, location: location)
  }

  /// As above, with the program's `bufferIndex` computed once by the caller (per-kernel callers
  /// over a whole program would otherwise rebuild it for every kernel).
  public init(_ kernel: Kernel, in program: KernelProgram, bufferIndex buffers: [String: Int], location: String) throws {
    func fail(_ message: String) -> KernelIRError { KernelIRError(.shape, at: location, message) }
    func type(_ name: String) throws -> TensorType {
      guard let index = buffers[name] else {
        throw KernelIRError(.undefinedBuffer, at: location, "%\(name) is not declared")
      }
      return program.buffers[index].type
    }
    let inputs = try kernel.inputs("input").map(type)
    guard let first = inputs.first else { throw fail("a convolution needs at least one input") }
    guard let weightName = kernel.input("weight") else { throw fail("a convolution needs a weight") }
    let weight = try type(weightName)
    guard first.rank == 5, inputs.allSatisfy({ $0.rank == 5 && $0.shape[0] == first.shape[0] && $0.shape[2...] == first.shape[2...] })
    else { throw fail("inputs \(inputs.map(\.description)) must be 5-D with equal batch and spatial sizes") }
    guard weight.rank == 5 else { throw fail("weight \(weight) must be 5-D [OC, IC, kd, kh, kw]") }
    batch = first.shape[0]
    inputChannels = inputs.map { $0.shape[1] }
    outputChannels = weight.shape[0]
    storedInputSize = Array(first.shape[2...])
    kernelSize = Array(weight.shape[2...])
    guard let totalChannels = CheckedSize.sum(inputChannels), weight.shape[1] == totalChannels else {
      throw fail("weight \(weight) expects \(weight.shape[1]) input channels, the inputs have \(inputChannels) in total")
    }
    guard let stride = kernel.ints("stride"), stride.count == 3, stride.allSatisfy({ $0 >= 1 }) else {
      throw KernelIRError(.attribute, at: location, "'stride' must be 3 integers >= 1")
    }
    guard let padding = kernel.ints("padding"), padding.count == 6, padding.allSatisfy({ $0 >= 0 }) else {
      throw KernelIRError(.attribute, at: location, "'padding' must be 6 integers >= 0")
    }
    let upsample = kernel.ints("upsample") ?? [1, 1, 1]
    guard upsample.count == 3, upsample.allSatisfy({ $0 >= 1 }) else {
      throw KernelIRError(.attribute, at: location, "'upsample' must be 3 integers >= 1")
    }
    self.stride = stride
    self.padding = padding
    self.upsample = upsample
    var output: [Int] = []
    for axis in 0..<3 {
      guard let scaled = CheckedSize.product([storedInputSize[axis], upsample[axis]]),
        let padded = CheckedSize.sum([scaled, padding[2 * axis], padding[2 * axis + 1]])
      else { throw fail("spatial axis \(axis) overflows") }
      guard padded >= kernelSize[axis] else {
        throw fail("kernel \(kernelSize[axis]) is larger than the padded input \(padded) on spatial axis \(axis)")
      }
      output.append((padded - kernelSize[axis]) / stride[axis] + 1)
    }
    outputSize = output
  }

  /// The output tensor type.
  public var outputShape: [Int] { [batch, outputChannels] + outputSize }
}
