// A program's schedule as a flat list of kernel launches with the memory each buffer argument
// points to, for back ends that run the plan without this module's executor (the AOT compiler
// emits it as one object file): each kernel calls its compilation unit's function with its own
// slots, host steps become launches of their generated equivalents (HostStepKernels.swift), and
// kernels left to the interpreter cannot be part of such a schedule. Weights are packed as
// JITProgram packs them.
import KernelIR
import TensorCore

public struct ProgramLaunch {
  public enum Storage: Hashable, Sendable {
    /// The activation arena (`arenaBytes`).
    case arena
    /// The packed weights (`weightBytes`, laid out by `packedWeights`).
    case weights
    /// Per-program scratch (`scratchBytes`): statistics and normalisation coefficients.
    case scratch
    /// The caller's array of program output number `index` (f32 NCDHW, written in place).
    case output(Int)
  }

  public struct Region: Hashable, Sendable {
    public let storage: Storage
    public let byteOffset: Int
    public let byteCount: Int
  }

  /// The Kernel IR kernel this launch belongs to.
  public let kernelIndex: Int
  public let generator: KernelGenerator
  /// One region per buffer argument, in the generator's order.
  public let buffers: [Region]
  /// "kernel", "statistics merge" or "normalization coefficients".
  public let role: String
}

extension ProgramKernelPlan {
  /// Every launch in execution order; throws when some kernel runs in the interpreter.
  public func launches() throws -> [ProgramLaunch] {
    var launches: [ProgramLaunch] = []
    for entry in entries {
      switch entry {
      case .interpreted(let index, let reason):
        throw JITProgramError.compilationFailed(
          kernel: index, kind: program.kernels[index].kind.rawValue,
          message: "it runs in the interpreter (\(reason)); a program for native code only must not need the interpreter")
      case .generated(let index, let kernel, let unit):
        let kind = program.kernels[index].kind.rawValue
        if let prologue = kernel.prologue {
          launches.append(try hostLaunch(prologue, index: index, name: "stunetc_k\(index)_\(kind)_prologue"))
        }
        // The unit's function (shared by kernels with identical code) with this kernel's own slots.
        launches.append(
          ProgramLaunch(
            kernelIndex: index, generator: units[unit].generator,
            buffers: zip(kernel.slots.locations, kernel.slots.elementCounts).map { region($0, elements: $1) }, role: "kernel"))
        if let epilogue = kernel.epilogue {
          launches.append(try hostLaunch(epilogue, index: index, name: "stunetc_k\(index)_\(kind)_epilogue"))
        }
      }
    }
    return launches
  }

  private func region(_ location: BufferLocation, elements: Int) -> ProgramLaunch.Region {
    let storage: ProgramLaunch.Storage
    switch location.storage {
    case .arena: storage = .arena
    case .weights: storage = .weights
    case .scratch: storage = .scratch
    case .output(let index): storage = .output(index)
    }
    return ProgramLaunch.Region(storage: storage, byteOffset: location.byteOffset, byteCount: elements * 4)
  }

  private func hostLaunch(_ step: HostStep, index: Int, name: String) throws -> ProgramLaunch {
    switch step {
    case .mergeStatistics(let merge):
      let generator = StatisticsMergeKernel(name: name, step: merge)
      return ProgramLaunch(
        kernelIndex: index, generator: generator,
        buffers: [
          region(merge.scratch, elements: generator.scratchDoubles * 2),
          region(merge.statistics, elements: merge.batch * merge.channels * merge.parts * 3),
        ], role: "statistics merge")
    case .normalizationCoefficients(let coefficients):
      let generator = NormalizationCoefficientsKernel(name: name, step: coefficients)
      var buffers = [region(coefficients.statistics, elements: coefficients.batch * coefficients.channels * coefficients.parts * 3)]
      if let gamma = coefficients.gamma { buffers.append(region(gamma, elements: coefficients.channels)) }
      if let beta = coefficients.beta { buffers.append(region(beta, elements: coefficients.channels)) }
      buffers.append(region(coefficients.coefficients, elements: coefficients.floatCount))
      return ProgramLaunch(kernelIndex: index, generator: generator, buffers: buffers, role: "normalization coefficients")
    }
  }

  /// Bytes of the packed weights and of the per-program scratch.
  public var weightByteCount: Int { weightBytes }
  public var scratchByteCount: Int { scratchBytes }

  /// Program outputs that kernels write straight into the caller's arrays.
  public var outputsWrittenInPlace: Set<String> { directOutputs }

  /// The arena offset of an input or output buffer (nil for an output written in place).
  public func arenaOffset(of bufferName: String) -> Int? {
    guard let location = locations[bufferName], location.storage == .arena else { return nil }
    return location.byteOffset
  }

  /// The weights packed into their layouts at their offsets, as `JITProgram` packs them.
  public func packedWeights(_ weights: [String: Tensor]) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: weightBytes)
    for buffer in program.buffers {
      guard case .weight(let parameter) = buffer.kind, let location = locations[buffer.name] else { continue }
      guard let tensor = weights[parameter] else { throw JITProgramError.missingWeight(parameter, buffer.type.description) }
      guard tensor.shape == buffer.type.shape else {
        throw JITProgramError.weightShape(parameter, expected: buffer.type.shape, actual: tensor.shape)
      }
      let packed = try WeightPacking.pack(tensor, for: buffer)
      packed.withUnsafeBytes { source in
        let count = min(source.count, buffer.byteCount)
        bytes.withUnsafeMutableBytes { target in
          guard let from = source.baseAddress, let to = target.baseAddress else { return }
          (to + location.byteOffset).copyMemory(from: from, byteCount: count)
        }
      }
    }
    return bytes
  }

  /// Weight buffers with their offsets in `packedWeights`, in program order.
  public var weightPlacements: [(buffer: KernelBuffer, byteOffset: Int)] {
    program.buffers.compactMap { buffer in
      guard buffer.kind.isWeight, let location = locations[buffer.name] else { return nil }
      return (buffer, location.byteOffset)
    }
  }
}
