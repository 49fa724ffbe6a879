// Errors of the pass manager and of the passes: each message says what went wrong, where (the
// pass or the flag), and what to do.

public enum PassError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A flag (`print-after`, `stop-after`, ...) or a pipeline names no known stage.
  case unknownPass(String, flag: String, valid: [String])
  /// `--verify-each` found a broken IR after the stage.
  case verificationFailed(stage: String, message: String)
  /// `--verify-each` found the IR entering the pipeline broken.
  case invalidInput(String)
  /// `--dump-dir` could not be written.
  case dumpFailed(path: String, reason: String)
  /// A stage was started after `--stop-after` had stopped the pipeline.
  case stageAfterStop(String)
  /// A pass met a graph it cannot handle (an undefined value, a malformed op).
  case invalidGraph(pass: String, message: String)
  /// An option value the pass manager cannot use.
  case invalidOption(flag: String, message: String)

  public var description: String {
    switch self {
    case .unknownPass(let name, let flag, let valid):
      return "unknown pass '\(name)' in --\(flag); valid names: \(valid.joined(separator: ", "))"
    case .verificationFailed(let stage, let message):
      return "verification failed after '\(stage)': \(message) (the stage produced invalid IR; rerun with --print-after=\(stage) to see it)"
    case .invalidInput(let message):
      return "the IR entering the pipeline is invalid: \(message)"
    case .dumpFailed(let path, let reason):
      return "cannot write the IR dump \(path): \(reason); check that --dump-dir names a writable folder"
    case .stageAfterStop(let stage):
      return "stage '\(stage)' started after --stop-after ended the pipeline; check PassInstrumentation.stopped first"
    case .invalidGraph(let pass, let message):
      return "pass '\(pass)': \(message); run the verifier on the input graph"
    case .invalidOption(let flag, let message):
      return "--\(flag): \(message)"
    }
  }
}
