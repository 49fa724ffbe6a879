// The AOT schedule of a memory-planned Kernel IR program, taken from the JIT's plan
// (LLVMBackend.ProgramKernelPlan): the same generators, the same tile counts, the same packed
// weights at the same offsets, and its launches in order (host steps as their generated kernels).
// The model's scratch is the JIT's activation arena followed by the JIT's per-program scratch;
// graph outputs the JIT writes into the caller's arrays are written in place here too.
import AOTRuntime
import KernelIR
import LLVMBackend
import TensorCore

extension AOTSchedule {
  public init(plan: ProgramKernelPlan, weights: [String: Tensor]) throws {
    let program = plan.program
    let launches: [ProgramLaunch]
    do {
      launches = try plan.launches()
    } catch {
      throw AOTError.unsupportedKernel(kernel: "@\(program.name)", reason: "\(error)")
    }
    let alignment = 64
    func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
    let scratchStart = aligned(plan.arenaBytes)
    let scratchBytes = scratchStart + aligned(plan.scratchByteCount)

    let entries = plan.weightPlacements.map { placement in
      WeightsFileHeader.Entry(name: placement.buffer.name, offset: placement.byteOffset, byteCount: placement.buffer.byteCount)
    }
    let blob = try WeightsBlob(bytes: try plan.packedWeights(weights), entries: entries)

    let steps = launches.map { launch in
      AOTStep(
        generator: launch.generator,
        buffers: launch.buffers.map { region in
          switch region.storage {
          case .arena: return AOTRegion(.scratch, offset: region.byteOffset, byteCount: region.byteCount)
          case .scratch: return AOTRegion(.scratch, offset: scratchStart + region.byteOffset, byteCount: region.byteCount)
          case .weights: return AOTRegion(.weights, offset: region.byteOffset, byteCount: region.byteCount)
          case .output(let index): return AOTRegion(.output(index), offset: region.byteOffset, byteCount: region.byteCount)
          }
        },
        label: "k\(launch.kernelIndex) \(program.kernels[launch.kernelIndex].kind.rawValue) (\(launch.role))")
    }

    func tensor(_ name: String, isOutput: Bool) throws -> AOTTensor {
      guard let buffer = program.buffer(named: name) else { throw AOTError.invalidSchedule("%\(name) is not declared") }
      guard buffer.layout == .rowMajor else {
        throw AOTError.unsupportedKernel(
          kernel: "%\(name)", reason: "graph inputs and outputs must be row-major (NCDHW), this one is \(buffer.layout.name(rank: buffer.type.rank))")
      }
      let elementType: ModelTensorDescription.ElementType
      switch buffer.type.dtype {
      case .f32: elementType = .float32
      case .i64: elementType = .int64
      default:
        throw AOTError.unsupportedKernel(kernel: "%\(name)", reason: "element type \(buffer.type.dtype.rawValue) (f32 and i64 only)")
      }
      if isOutput && plan.outputsWrittenInPlace.contains(name) {
        return AOTTensor(name: name, elementType: elementType, shape: buffer.type.shape, scratchOffset: nil)
      }
      guard let offset = plan.arenaOffset(of: name) else { throw AOTError.invalidSchedule("%\(name) has no place in the arena") }
      return AOTTensor(name: name, elementType: elementType, shape: buffer.type.shape, scratchOffset: offset)
    }

    self.init(
      name: program.name, target: plan.llvmTarget, steps: steps,
      inputs: try program.inputBuffers.map { try tensor($0.name, isOutput: false) },
      outputs: try program.outputs.map { try tensor($0, isOutput: true) }, scratchBytes: scratchBytes, weights: blob,
      alignment: alignment)
  }
}
