// Errors of the forward-pass benchmark, each saying what went wrong and what to do.

enum BenchmarkError: Error, CustomStringConvertible {
  case usage(String)
  case backend(String)
  case system(String)
  case peers(String)

  var description: String {
    switch self {
    case .usage(let message): return "\(message) (run stunet-bench --help for the options)"
    case .backend(let message): return "backend: \(message)"
    case .system(let message): return "system: \(message)"
    case .peers(let message): return "peers: \(message)"
    }
  }
}
