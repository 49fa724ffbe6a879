// The plan of a JIT program before any memory exists: where every buffer lives (arena offsets
// after compaction, packed-weight offsets, the caller's output arrays), and for every kernel of
// the schedule either its generator with slots and host steps, or the reason the interpreter
// runs it. `JITProgram` allocates and compiles it; `stunetc compile --emit llvm|asm|obj` only
// needs its generators.
import KernelIR

public struct ProgramKernelPlan {
  enum Entry {
    /// `unit`: which compiled function runs it (kernels with identical code share one).
    case generated(index: Int, kernel: LoweredKernel, unit: Int)
    case interpreted(index: Int, reason: String)
  }

  /// One function to compile: its generator and the kernels that call it.
  public struct CompilationUnit {
    public let generator: KernelGenerator
    public let kernels: [Int]
  }

  /// The program as it runs: compacted arena offsets.
  public let program: KernelProgram
  let locations: [String: BufferLocation]
  let entries: [Entry]
  /// Distinct functions: kernels whose generated code is identical (same shapes, slots and
  /// epilogue, e.g. the encoder's and decoder's second convs of a stage) share one.
  public let units: [CompilationUnit]
  public let arenaBytes: Int
  let weightBytes: Int
  let scratchBytes: Int
  /// Output buffers written straight into the caller's arrays, by program output number.
  let directOutputs: Set<String>
  let target: TargetDescription

  /// Plans `program` (which must be memory-planned) for `options`.
  public init(program original: KernelProgram, options: JITProgramOptions, threads: Int) throws {
    guard original.arenaBytes != nil else {
      throw JITProgramError.unplanned("some arena buffer of @\(original.name) has no offset")
    }
    var program = original
    var direct: Set<String> = []
    if options.writesOutputsDirectly {
      for name in program.outputs {
        guard let buffer = program.buffer(named: name), buffer.type.dtype == .f32, buffer.layout == .rowMajor,
          buffer.kind == .output
        else { continue }
        direct.insert(name)
      }
    }
    var arenaBytes = original.arenaBytes ?? 0
    if !direct.isEmpty {
      let compacted = try ArenaCompaction.compact(program, removing: direct)
      _ = try ArenaCompaction.checkedProgram(program, result: compacted, removed: direct)
      for index in program.buffers.indices {
        program.buffers[index].offset = compacted.offsets[program.buffers[index].name]
      }
      arenaBytes = compacted.arenaBytes
    }
    var locations: [String: BufferLocation] = [:]
    var weightBytes = 0
    for buffer in program.buffers {
      switch buffer.kind {
      case .weight:
        locations[buffer.name] = BufferLocation(storage: .weights, byteOffset: weightBytes)
        weightBytes += (buffer.byteCount + 63) / 64 * 64
      case .view(let baseName, _):
        if direct.contains(baseName), let base = program.buffer(named: baseName), let number = program.outputs.firstIndex(of: baseName) {
          locations[buffer.name] = BufferLocation(
            storage: .output(number), byteOffset: KernelVerifier.viewByteOffset(buffer, base: base))
        } else if let offset = buffer.offset {
          locations[buffer.name] = BufferLocation(storage: .arena, byteOffset: offset)
        }
      default:
        if direct.contains(buffer.name), let number = program.outputs.firstIndex(of: buffer.name) {
          locations[buffer.name] = BufferLocation(storage: .output(number), byteOffset: 0)
        } else if let offset = buffer.offset {
          locations[buffer.name] = BufferLocation(storage: .arena, byteOffset: offset)
        }
      }
    }
    let target = options.llvmTarget
    let context = ProgramLoweringContext(
      program: program, locations: locations, threads: threads, target: target, unrolledLanes: options.unrolledLanes)
    var entries: [Entry] = []
    var unitGenerators: [KernelGenerator] = []
    var unitKernels: [[Int]] = []
    var unitByKey: [String: Int] = [:]
    for (index, kernel) in program.kernels.enumerated() {
      if options.interpretedKinds.contains(kernel.kind) {
        entries.append(.interpreted(index: index, reason: "interpreted on request"))
        continue
      }
      let name = "stunetc_k\(index)_\(kernel.kind.rawValue)"
      do {
        let lowered = kernel.kind.isConvolution
          ? try context.lowerConvolution(kernel, index: index, name: name)
          : try context.lowerElementwise(kernel, name: name)
        let key = String(describing: lowered.generator).replacingOccurrences(of: name, with: "")
        let unit: Int
        if let existing = unitByKey[key] {
          unit = existing
          unitKernels[unit].append(index)
        } else {
          unit = unitGenerators.count
          unitByKey[key] = unit
          unitGenerators.append(lowered.generator)
          unitKernels.append([index])
        }
        entries.append(.generated(index: index, kernel: lowered, unit: unit))
      } catch let reason as FallbackReason {
        entries.append(.interpreted(index: index, reason: reason.description))
      }
    }
    self.program = program
    self.locations = locations
    self.entries = entries
    self.units = zip(unitGenerators, unitKernels).map { CompilationUnit(generator: $0, kernels: $1) }
    self.arenaBytes = arenaBytes
    self.weightBytes = weightBytes
    self.scratchBytes = context.scratchFloats * 4
    self.directOutputs = direct
    self.target = target
  }

  /// Generators of the distinct functions the JIT compiles.
  public var generators: [KernelGenerator] { units.map(\.generator) }

  /// Kernels left to the interpreter, with the reason.
  public var interpretedKernels: [(index: Int, kind: KernelKind, reason: String)] {
    entries.compactMap { entry in
      if case .interpreted(let index, let reason) = entry { return (index, program.kernels[index].kind, reason) }
      return nil
    }
  }

  /// The LLVM target the kernels are generated for.
  public var llvmTarget: TargetDescription { target }
}
