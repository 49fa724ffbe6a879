// An LLVM module under construction or ready to run: owns its thread-safe context (so that it can
// be handed to the ORC JIT), verifies, optimises with the new pass manager ("default<O3>"), and
// prints textual IR, assembly or object code for `--emit llvm|asm|obj` and AOT. Emission works on
// a clone, because code generation rewrites IR and the module may still go to the JIT afterwards.
import CLLVM

public final class KernelModule {
  public let name: String
  public let target: TargetDescription
  let threadSafeContext: LLVMOrcThreadSafeContextRef
  let context: LLVMContextRef
  /// nil once the module has been handed to a JIT.
  private(set) var module: LLVMModuleRef?

  public init(name: String, target: TargetDescription) throws {
    LLVMSetup.initializeNativeTarget()
    self.name = name
    self.target = target
    guard let threadSafeContext = LLVMOrcCreateNewThreadSafeContext(),
      let context = LLVMOrcThreadSafeContextGetContext(threadSafeContext),
      let module = LLVMModuleCreateWithNameInContext(name, context)
    else { throw BackendError.jitCreationFailed(message: "could not create an LLVM context for '\(name)'") }
    self.threadSafeContext = threadSafeContext
    self.context = context
    self.module = module
    LLVMSetTarget(module, target.triple)
    let machine = try target.makeTargetMachine()
    defer { LLVMDisposeTargetMachine(machine) }
    let dataLayout = LLVMCreateTargetDataLayout(machine)
    defer { LLVMDisposeTargetData(dataLayout) }
    let layoutString = BackendError.takeMessage(LLVMCopyStringRepOfTargetData(dataLayout))
    LLVMSetDataLayout(module, layoutString)
  }

  deinit {
    if let module { LLVMDisposeModule(module) }
    LLVMOrcDisposeThreadSafeContext(threadSafeContext)
  }

  func liveModule() throws -> LLVMModuleRef {
    guard let module else { throw BackendError.moduleAlreadyConsumed(name: name) }
    return module
  }

  /// Checks the module with LLVM's verifier.
  public func verify() throws {
    let module = try liveModule()
    var message: UnsafeMutablePointer<CChar>?
    if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
      throw BackendError.invalidModule(name: name, message: BackendError.takeMessage(message))
    }
    LLVMDisposeMessage(message)
  }

  /// Runs a new-pass-manager pipeline (default: O3) with the target's cost model.
  public func optimize(pipeline: String = "default<O3>") throws {
    let module = try liveModule()
    let machine = try target.makeTargetMachine()
    defer { LLVMDisposeTargetMachine(machine) }
    let options = LLVMCreatePassBuilderOptions()
    defer { LLVMDisposePassBuilderOptions(options) }
    LLVMPassBuilderOptionsSetLoopVectorization(options, 1)
    LLVMPassBuilderOptionsSetSLPVectorization(options, 1)
    LLVMPassBuilderOptionsSetLoopUnrolling(options, 1)
    if let message = BackendError.consume(LLVMRunPasses(module, pipeline, machine, options)) {
      throw BackendError.passPipelineFailed(pipeline: pipeline, message: message)
    }
  }

  /// The module as textual LLVM IR.
  public func llvmIR() throws -> String {
    BackendError.takeMessage(LLVMPrintModuleToString(try liveModule()))
  }

  /// Native assembly for the module's target.
  public func assembly() throws -> String {
    let bytes = try emit(LLVMAssemblyFile, kind: "assembly")
    return String(decoding: bytes, as: UTF8.self)
  }

  /// A relocatable object file (position independent, for linking into an AOT executable).
  public func objectFile() throws -> [UInt8] {
    try emit(LLVMObjectFile, kind: "object file", relocation: LLVMRelocPIC)
  }

  private func emit(_ fileType: LLVMCodeGenFileType, kind: String, relocation: LLVMRelocMode = LLVMRelocDefault) throws
    -> [UInt8]
  {
    let module = try liveModule()
    guard let clone = LLVMCloneModule(module) else {
      throw BackendError.emissionFailed(kind: kind, message: "could not clone module '\(name)'")
    }
    defer { LLVMDisposeModule(clone) }
    let machine = try target.makeTargetMachine(relocation: relocation)
    defer { LLVMDisposeTargetMachine(machine) }
    var message: UnsafeMutablePointer<CChar>?
    var buffer: LLVMMemoryBufferRef?
    if LLVMTargetMachineEmitToMemoryBuffer(machine, clone, fileType, &message, &buffer) != 0 || buffer == nil {
      throw BackendError.emissionFailed(kind: kind, message: BackendError.takeMessage(message))
    }
    defer { LLVMDisposeMemoryBuffer(buffer) }
    let size = LLVMGetBufferSize(buffer)
    guard let start = LLVMGetBufferStart(buffer) else { return [] }
    return start.withMemoryRebound(to: UInt8.self, capacity: size) { Array(UnsafeBufferPointer(start: $0, count: size)) }
  }

  public enum EmissionKind: String, CaseIterable, Sendable {
    case llvm, assembly, object

    /// Conventional file extension (for --dump-dir).
    public var fileExtension: String {
      switch self {
      case .llvm: return "ll"
      case .assembly: return "s"
      case .object: return "o"
      }
    }
  }

  /// Writes textual IR (LLVMPrintModuleToFile), assembly or an object file
  /// (LLVMTargetMachineEmitToFile on a clone) to `path`.
  public func write(_ kind: EmissionKind, to path: String) throws {
    let module = try liveModule()
    var message: UnsafeMutablePointer<CChar>?
    switch kind {
    case .llvm:
      if LLVMPrintModuleToFile(module, path, &message) != 0 {
        throw BackendError.emissionFailed(kind: "LLVM IR to \(path)", message: BackendError.takeMessage(message))
      }
    case .assembly, .object:
      guard let clone = LLVMCloneModule(module) else {
        throw BackendError.emissionFailed(kind: "\(kind.rawValue) to \(path)", message: "could not clone module '\(name)'")
      }
      defer { LLVMDisposeModule(clone) }
      let machine = try target.makeTargetMachine(relocation: kind == .object ? LLVMRelocPIC : LLVMRelocDefault)
      defer { LLVMDisposeTargetMachine(machine) }
      let fileType = kind == .object ? LLVMObjectFile : LLVMAssemblyFile
      let status = path.withCString { cPath in
        LLVMTargetMachineEmitToFile(machine, clone, UnsafeMutablePointer(mutating: cPath), fileType, &message)
      }
      if status != 0 {
        throw BackendError.emissionFailed(kind: "\(kind.rawValue) to \(path)", message: BackendError.takeMessage(message))
      }
    }
  }

  /// Hands the module to the JIT as an ORC thread-safe module; the module is consumed.
  func takeThreadSafeModule() throws -> LLVMOrcThreadSafeModuleRef {
    let module = try liveModule()
    guard let threadSafeModule = LLVMOrcCreateNewThreadSafeModule(module, threadSafeContext) else {
      throw BackendError.jitAddModuleFailed(module: name, message: "could not wrap the module for ORC")
    }
    self.module = nil
    return threadSafeModule
  }
}
