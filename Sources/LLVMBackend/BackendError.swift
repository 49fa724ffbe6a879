// Errors raised by the LLVM backend, with messages that say what failed, where, and what to do.
import CLLVM

public enum BackendError: Error, CustomStringConvertible, Equatable {
  case targetUnavailable(triple: String, message: String)
  case targetMachineCreationFailed(triple: String, cpu: String)
  case invalidModule(name: String, message: String)
  case passPipelineFailed(pipeline: String, message: String)
  case emissionFailed(kind: String, message: String)
  case jitCreationFailed(message: String)
  case jitAddModuleFailed(module: String, message: String)
  case symbolNotFound(name: String, message: String)
  case moduleAlreadyConsumed(name: String)
  case invalidSpec(kernel: String, reason: String)
  case bufferSizeMismatch(kernel: String, buffer: String, expected: Int, actual: Int)
  case unsupportedTarget(kernel: String, reason: String)

  public var description: String {
    switch self {
    case .targetUnavailable(let triple, let message):
      return "LLVM has no target for triple '\(triple)': \(message); build for x86-64 or pass a supported --target-cpu"
    case .targetMachineCreationFailed(let triple, let cpu):
      return "LLVM could not create a target machine for '\(triple)' with CPU '\(cpu)'; check --target-cpu"
    case .invalidModule(let name, let message):
      return "generated LLVM module '\(name)' does not verify: \(message) (a kernel generator bug)"
    case .passPipelineFailed(let pipeline, let message):
      return "LLVM pass pipeline '\(pipeline)' failed: \(message)"
    case .emissionFailed(let kind, let message):
      return "emitting \(kind) failed: \(message)"
    case .jitCreationFailed(let message):
      return "creating the ORC LLJIT failed: \(message)"
    case .jitAddModuleFailed(let module, let message):
      return "adding module '\(module)' to the JIT failed: \(message)"
    case .symbolNotFound(let name, let message):
      return "JIT symbol '\(name)' was not found: \(message); was its module added to this JIT?"
    case .moduleAlreadyConsumed(let name):
      return "LLVM module '\(name)' was already handed to a JIT; create a new KernelModule"
    case .invalidSpec(let kernel, let reason):
      return "\(kernel): invalid specification: \(reason)"
    case .bufferSizeMismatch(let kernel, let buffer, let expected, let actual):
      return "\(kernel): buffer '\(buffer)' holds \(actual) elements but the kernel needs \(expected)"
    case .unsupportedTarget(let kernel, let reason):
      return "\(kernel): not supported on this target: \(reason); use the interpreter backend"
    }
  }

  /// Takes ownership of an `LLVMErrorRef` and returns its message ("" when there was no error).
  static func consume(_ error: LLVMErrorRef?) -> String? {
    guard let error else { return nil }
    guard let cString = LLVMGetErrorMessage(error) else { return "unknown LLVM error" }
    let message = String(cString: cString)
    LLVMDisposeErrorMessage(cString)
    return message
  }

  /// Takes ownership of an LLVM-allocated C string message.
  static func takeMessage(_ message: UnsafeMutablePointer<CChar>?) -> String {
    guard let message else { return "" }
    let text = String(cString: message)
    LLVMDisposeMessage(message)
    return text
  }
}
