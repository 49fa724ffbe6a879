// Turns the model's LLVM IR text (the optimised kernels followed by the schedule) into model.o:
// parse and verify it in a fresh context, give every function internal linkage except the ABI
// entry points (so two bundles can be linked into one program without kernel-name clashes), then
// run only code generation for the target as position-independent code. The kernels were
// optimised once, exactly as for the JIT, and are not optimised again, so the machine code does
// the same arithmetic as the JIT's.
import CLLVM
import LLVMBackend

enum ObjectEmitter {
  static let exportedSymbols: Set<String> = ["stunet_model_run", "stunet_model_describe"]

  private static let initialized: Bool = {
    LLVMInitializeNativeTarget()
    LLVMInitializeNativeAsmPrinter()
    LLVMInitializeNativeAsmParser()
    return true
  }()

  /// The relocatable object for `irText` compiled for `target`.
  static func objectFile(irText: String, target: LLVMBackend.TargetDescription, moduleName: String) throws -> [UInt8] {
    _ = initialized
    guard let context = LLVMContextCreate() else { throw AOTError.objectEmissionFailed(message: "no LLVM context") }
    defer { LLVMContextDispose(context) }
    let module = try parse(irText, context: context, name: moduleName)
    defer { LLVMDisposeModule(module) }
    var message: UnsafeMutablePointer<CChar>?
    if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
      throw AOTError.irParseFailed(message: take(message))
    }
    LLVMDisposeMessage(message)
    internalize(module)
    return try emit(module, target: target)
  }

  private static func parse(_ text: String, context: LLVMContextRef, name: String) throws -> LLVMModuleRef {
    let buffer: LLVMMemoryBufferRef? = text.withCString { pointer in
      LLVMCreateMemoryBufferWithMemoryRangeCopy(pointer, text.utf8.count, name)
    }
    guard let buffer else { throw AOTError.irParseFailed(message: "could not copy the IR into an LLVM buffer") }
    var module: LLVMModuleRef?
    var message: UnsafeMutablePointer<CChar>?
    // LLVMParseIRInContext takes ownership of the buffer.
    if LLVMParseIRInContext(context, buffer, &module, &message) != 0 || module == nil {
      throw AOTError.irParseFailed(message: take(message))
    }
    guard let module else { throw AOTError.irParseFailed(message: "no module") }
    return module
  }

  /// Every defined function except the ABI entry points becomes internal.
  private static func internalize(_ module: LLVMModuleRef) {
    var function = LLVMGetFirstFunction(module)
    while let current = function {
      function = LLVMGetNextFunction(current)
      guard LLVMIsDeclaration(current) == 0 else { continue }
      var length = 0
      let name = LLVMGetValueName2(current, &length).map { String(cString: $0) } ?? ""
      if !exportedSymbols.contains(name) { LLVMSetLinkage(current, LLVMInternalLinkage) }
    }
  }

  private static func emit(_ module: LLVMModuleRef, target: LLVMBackend.TargetDescription) throws -> [UInt8] {
    var llvmTarget: LLVMTargetRef?
    var message: UnsafeMutablePointer<CChar>?
    if LLVMGetTargetFromTriple(target.triple, &llvmTarget, &message) != 0 || llvmTarget == nil {
      throw AOTError.objectEmissionFailed(message: "no LLVM target for '\(target.triple)': \(take(message))")
    }
    guard
      let machine = LLVMCreateTargetMachine(
        llvmTarget, target.triple, target.cpu, target.features, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
        LLVMCodeModelDefault)
    else { throw AOTError.objectEmissionFailed(message: "no target machine for \(target.triple) cpu \(target.cpu)") }
    defer { LLVMDisposeTargetMachine(machine) }
    var buffer: LLVMMemoryBufferRef?
    if LLVMTargetMachineEmitToMemoryBuffer(machine, module, LLVMObjectFile, &message, &buffer) != 0 || buffer == nil {
      throw AOTError.objectEmissionFailed(message: take(message))
    }
    defer { LLVMDisposeMemoryBuffer(buffer) }
    let size = LLVMGetBufferSize(buffer)
    guard let start = LLVMGetBufferStart(buffer) else { return [] }
    return start.withMemoryRebound(to: UInt8.self, capacity: size) { Array(UnsafeBufferPointer(start: $0, count: size)) }
  }

  private static func take(_ message: UnsafeMutablePointer<CChar>?) -> String {
    guard let message else { return "no message" }
    defer { LLVMDisposeMessage(message) }
    return String(cString: message)
  }
}
