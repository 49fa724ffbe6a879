// In-process JIT: an ORC LLJIT whose target machine comes from a `TargetDescription` (host CPU
// and features, or the overrides), so JIT'd code uses exactly the confirmed features. Modules are
// added once; symbols are looked up by name and returned as addresses to be cast to
// `@convention(c)` function types. The JIT must outlive every function pointer taken from it.
import CLLVM

public final class JITCompiler: @unchecked Sendable {
  public let target: TargetDescription
  private let jit: LLVMOrcLLJITRef

  public init(target: TargetDescription = .host()) throws {
    self.target = target
    let machine = try target.makeTargetMachine(codeModel: LLVMCodeModelJITDefault)
    guard let machineBuilder = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(machine) else {
      throw BackendError.jitCreationFailed(message: "could not make a JIT target machine builder")
    }
    let builder = LLVMOrcCreateLLJITBuilder()
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, machineBuilder)
    var jit: LLVMOrcLLJITRef?
    if let message = BackendError.consume(LLVMOrcCreateLLJIT(&jit, builder)) {
      throw BackendError.jitCreationFailed(message: message)
    }
    guard let jit else { throw BackendError.jitCreationFailed(message: "LLVMOrcCreateLLJIT returned nothing") }
    self.jit = jit
  }

  deinit {
    _ = BackendError.consume(LLVMOrcDisposeLLJIT(jit))
  }

  /// Adds (and thereby consumes) a module; its code is compiled on the first lookup.
  public func add(_ module: KernelModule) throws {
    let threadSafeModule = try module.takeThreadSafeModule()
    let dylib = LLVMOrcLLJITGetMainJITDylib(jit)
    // The JIT owns the thread-safe module from here on, even when adding fails.
    if let message = BackendError.consume(LLVMOrcLLJITAddLLVMIRModule(jit, dylib, threadSafeModule)) {
      throw BackendError.jitAddModuleFailed(module: module.name, message: message)
    }
  }

  /// The address of a JIT'd symbol (compiling its module if needed).
  public func address(of symbol: String) throws -> UnsafeRawPointer {
    var address: LLVMOrcExecutorAddress = 0
    if let message = BackendError.consume(LLVMOrcLLJITLookup(jit, &address, symbol)) {
      throw BackendError.symbolNotFound(name: symbol, message: message)
    }
    guard let pointer = UnsafeRawPointer(bitPattern: UInt(address)) else {
      throw BackendError.symbolNotFound(name: symbol, message: "address is null")
    }
    return pointer
  }

  /// A JIT'd function as a Swift function value of type `Function` (a `@convention(c)` type).
  public func function<Function>(named symbol: String, as type: Function.Type) throws -> Function {
    let pointer = try address(of: symbol)
    return unsafeBitCast(pointer, to: type)
  }
}
