// Errors of the ahead-of-time back end, with messages that say what failed, where, and what to do.

public enum AOTError: Error, CustomStringConvertible, Equatable {
  case invalidSchedule(String)
  case irParseFailed(message: String)
  case objectEmissionFailed(message: String)
  case cannotWrite(path: String, reason: String)
  case runnerNotBuilt(searched: [String])
  case toolNotFound(name: String, searched: [String])
  case linkFailed(command: String, status: Int32, output: String)
  case unsupportedKernel(kernel: String, reason: String)

  public var description: String {
    switch self {
    case .invalidSchedule(let reason):
      return "the AOT schedule is inconsistent: \(reason) (a bug in the mapping from Kernel IR to kernels)"
    case .irParseFailed(let message):
      return "the generated model IR does not parse or verify: \(message) (a bug in the AOT schedule emitter)"
    case .objectEmissionFailed(let message):
      return "emitting model.o failed: \(message)"
    case .cannotWrite(let path, let reason):
      return "cannot write \(path): \(reason)"
    case .runnerNotBuilt(let searched):
      return
        "the runner template is not built (no stunet-runner.product/Objects.LinkFileList in \(searched.joined(separator: ", "))); run `swift build --product stunet-runner` (same configuration as stunetc), set STUNETC_RUNNER_DIR, or pass --no-executable"
    case .toolNotFound(let name, let searched):
      return "\(name) was not found (looked in \(searched.joined(separator: ", "))); install the Swift toolchain or set STUNETC_SWIFTC"
    case .linkFailed(let command, let status, let output):
      return "linking the executable failed (exit \(status)):\n  \(command)\n\(output)"
    case .unsupportedKernel(let kernel, let reason):
      return "\(kernel) cannot be compiled ahead of time: \(reason)"
    }
  }
}
