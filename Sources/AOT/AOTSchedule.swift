// What an ahead-of-time model runs, independent of how it was derived from the Kernel IR: kernel
// generators in execution order, each with the memory regions its buffer arguments point to
// (offsets in the packed weights blob or in the scratch arena), the graph inputs and outputs and
// where they live in the arena, the arena size, and the packed weights. The same generators and
// regions drive the JIT runtime; the AOT back end turns them into one object file whose
// `stunet_model_run` calls every kernel over its tiles with the offsets as constants.
import AOTRuntime
import LLVMBackend

/// Where a kernel's buffer argument points: `offset` bytes into the weights blob, the scratch arena,
/// or the caller's array of a graph output written in place.
public struct AOTRegion: Hashable, Sendable, CustomStringConvertible {
  public enum Base: Hashable, Sendable, CustomStringConvertible {
    case weights, scratch
    /// The array the caller passes as outputs[index].
    case output(Int)

    public var description: String {
      switch self {
      case .weights: return "weights"
      case .scratch: return "scratch"
      case .output(let index): return "output\(index)"
      }
    }
  }

  public var base: Base
  public var offset: Int
  public var byteCount: Int

  public init(_ base: Base, offset: Int, byteCount: Int) {
    self.base = base
    self.offset = offset
    self.byteCount = byteCount
  }

  public var description: String { "\(base)[\(offset), +\(byteCount)]" }
}

/// One kernel launch: tiles 0..<generator.tileCount with `buffers` in the generator's order.
public struct AOTStep {
  public var generator: any KernelGenerator
  public var buffers: [AOTRegion]
  /// What the step computes, for comments and errors (e.g. "k3 conv3d_direct -> %act2.pre").
  public var label: String

  public init(generator: any KernelGenerator, buffers: [AOTRegion], label: String) {
    self.generator = generator
    self.buffers = buffers
    self.label = label
  }
}

/// A graph input or output, row-major: kept in the scratch arena at `scratchOffset`, or (an output
/// with no offset) written by the kernels straight into the caller's array.
public struct AOTTensor: Hashable, Sendable {
  public var name: String
  public var elementType: ModelTensorDescription.ElementType
  public var shape: [Int]
  public var scratchOffset: Int?

  public init(name: String, elementType: ModelTensorDescription.ElementType = .float32, shape: [Int], scratchOffset: Int?) {
    self.name = name
    self.elementType = elementType
    self.shape = shape
    self.scratchOffset = scratchOffset
  }

  public var byteCount: Int { shape.reduce(elementType.byteSize, *) }
}

public struct AOTSchedule {
  public var name: String
  public var target: LLVMBackend.TargetDescription
  public var steps: [AOTStep]
  public var inputs: [AOTTensor]
  public var outputs: [AOTTensor]
  public var scratchBytes: Int
  public var weights: WeightsBlob
  /// Alignment the model demands of the weights and scratch pointers.
  public var alignment: Int

  public init(
    name: String, target: LLVMBackend.TargetDescription, steps: [AOTStep], inputs: [AOTTensor], outputs: [AOTTensor],
    scratchBytes: Int, weights: WeightsBlob, alignment: Int = 64
  ) {
    self.name = name
    self.target = target
    self.steps = steps
    self.inputs = inputs
    self.outputs = outputs
    self.scratchBytes = scratchBytes
    self.weights = weights
    self.alignment = alignment
  }

  /// Checks that every region lies inside its memory and is large enough for its buffer, that
  /// kernels of the same name are the same kernel, and that tensors fit the arena.
  public func validate() throws {
    guard alignment >= 16, alignment & (alignment - 1) == 0, alignment <= 4096 else {
      throw AOTError.invalidSchedule("alignment \(alignment) must be a power of two in 16...4096")
    }
    var kernels: [String: (tiles: Int, buffers: [KernelBufferDescriptor])] = [:]
    for (index, step) in steps.enumerated() {
      let generator = step.generator
      let where_ = "step \(index) (\(step.label), kernel \(generator.kernelName))"
      guard step.buffers.count == generator.buffers.count else {
        throw AOTError.invalidSchedule("\(where_) binds \(step.buffers.count) buffers, the kernel takes \(generator.buffers.count)")
      }
      guard generator.tileCount >= 0 else { throw AOTError.invalidSchedule("\(where_) has a negative tile count") }
      if let known = kernels[generator.kernelName] {
        guard known.tiles == generator.tileCount, known.buffers == generator.buffers else {
          throw AOTError.invalidSchedule("\(where_): two different kernels are named \(generator.kernelName)")
        }
      }
      kernels[generator.kernelName] = (generator.tileCount, generator.buffers)
      for (region, descriptor) in zip(step.buffers, generator.buffers) {
        let limit: Int
        switch region.base {
        case .weights: limit = weights.byteCount
        case .scratch: limit = scratchBytes
        case .output(let index):
          guard outputs.indices.contains(index), outputs[index].scratchOffset == nil else {
            throw AOTError.invalidSchedule("\(where_): buffer '\(descriptor.name)' points into output \(index), which is not written in place")
          }
          limit = outputs[index].byteCount
        }
        guard region.offset >= 0, region.byteCount >= 0, region.offset <= limit, region.byteCount <= limit - region.offset
        else {
          throw AOTError.invalidSchedule(
            "\(where_): buffer '\(descriptor.name)' at \(region) lies outside the \(region.base) (\(limit) bytes)")
        }
        guard region.byteCount >= descriptor.byteCount else {
          throw AOTError.invalidSchedule(
            "\(where_): buffer '\(descriptor.name)' needs \(descriptor.byteCount) bytes, \(region) has \(region.byteCount)")
        }
        guard region.offset % descriptor.elementType.byteSize == 0 else {
          throw AOTError.invalidSchedule("\(where_): buffer '\(descriptor.name)' at \(region) is misaligned for its elements")
        }
      }
    }
    for tensor in inputs + outputs {
      guard tensor.shape.count <= 8, tensor.shape.allSatisfy({ $0 >= 0 }) else {
        throw AOTError.invalidSchedule("tensor '\(tensor.name)' has shape \(tensor.shape): ranks 0...8, sizes >= 0")
      }
    }
    for tensor in inputs where tensor.scratchOffset == nil {
      throw AOTError.invalidSchedule("input '\(tensor.name)' has no place in the arena")
    }
    for tensor in inputs + outputs {
      guard let offset = tensor.scratchOffset else { continue }
      guard offset >= 0, offset <= scratchBytes, tensor.byteCount <= scratchBytes - offset else {
        throw AOTError.invalidSchedule("tensor '\(tensor.name)' (\(tensor.byteCount) bytes at \(offset)) lies outside the arena")
      }
    }
  }

  /// Distinct kernels in first-use order (a kernel launched twice is compiled once).
  public var distinctGenerators: [any KernelGenerator] {
    var seen: Set<String> = []
    return steps.compactMap { seen.insert($0.generator.kernelName).inserted ? $0.generator : nil }
  }
}
