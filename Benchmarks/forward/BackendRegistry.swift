// The backends stunet-bench can time, by command-line name.

enum BackendRegistry {
  static let names = ["jit", "interpreter"]
  static let defaultName = "jit"

  static func make(_ name: String) throws -> ForwardBackend {
    switch name {
    case "jit": return JITBackend()
    case "interpreter": return InterpreterBackend()
    default: throw BenchmarkError.usage("unknown backend '\(name)': available: \(names.joined(separator: ", "))")
    }
  }
}
