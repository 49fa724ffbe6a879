// The backends stunet-bench can time, by command-line name.

enum BackendRegistry {
  static let names = ["interpreter"]
  static let defaultName = "interpreter"

  static func make(_ name: String) throws -> ForwardBackend {
    switch name {
    case "interpreter": return InterpreterBackend()
    default: throw BenchmarkError.usage("unknown backend '\(name)': available: \(names.joined(separator: ", "))")
    }
  }
}
