// Errors of compiling and running a whole Kernel IR program with the JIT, with messages that say
// what failed, where, and what to do.

public enum JITProgramError: Error, CustomStringConvertible, Equatable {
  case unplanned(String)
  case missingWeight(String, String)
  case weightShape(String, expected: [Int], actual: [Int])
  case missingInput(String, String)
  case inputShape(String, expected: [Int], actual: [Int])
  case unsupportedBuffer(String, String)
  case fallbackFailed(kernel: Int, kind: String, message: String)
  case invalidOptions(String)
  case compilationFailed(kernel: Int, kind: String, message: String)

  public var description: String {
    switch self {
    case .unplanned(let message):
      return "JIT program: \(message); run MemoryPlanner.plan on the program first"
    case .missingWeight(let parameter, let type):
      return "JIT program: no weights for parameter '\(parameter)' (\(type)); the checkpoint lacks it"
    case .weightShape(let parameter, let expected, let actual):
      return "JIT program: weights '\(parameter)' have shape \(actual), the program needs \(expected)"
    case .missingInput(let name, let type):
      return "JIT program: no value given for input %\(name) (\(type))"
    case .inputShape(let name, let expected, let actual):
      return "JIT program: input %\(name) needs shape \(expected), got \(actual)"
    case .unsupportedBuffer(let name, let message):
      return "JIT program: buffer %\(name) \(message)"
    case .fallbackFailed(let kernel, let kind, let message):
      return "JIT program: kernel \(kernel) (\(kind)) run by the interpreter failed: \(message)"
    case .invalidOptions(let message):
      return "JIT program: \(message)"
    case .compilationFailed(let kernel, let kind, let message):
      return "JIT program: kernel \(kernel) (\(kind)) could not be generated: \(message)"
    }
  }
}
