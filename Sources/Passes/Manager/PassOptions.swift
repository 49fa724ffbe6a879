// Instrumentation options of the pass manager: the flags users of MLIR/IREE and Glow expect
// (print before/after, verify each, stop after, time, dump every stage to numbered files).
// The same options drive graph passes and later kernel-level stages (PassInstrumentation).

public struct PassOptions: Equatable, Sendable {
  /// `--print-before-all`: print the IR entering every stage.
  public var printBeforeAll = false
  /// `--print-after-all`: print the IR after every stage.
  public var printAfterAll = false
  /// `--print-before=A,B`: print the IR entering these stages.
  public var printBefore: [String] = []
  /// `--print-after=A,B`: print the IR after these stages.
  public var printAfter: [String] = []
  /// `--print-after-change`: with print-after(-all), print only when the stage changed the IR.
  public var printAfterChangeOnly = false
  /// `--verify-each`: run the verifier on the input and after every stage.
  public var verifyEach = false
  /// `--stop-after=A`: end the pipeline after stage A (the IR at that point is the result).
  public var stopAfter: String?
  /// `--time-passes`: report the wall time of every stage at the end.
  public var timePasses = false
  /// `--dump-dir DIR`: write `00-input.ir`, then `01-<stage>.ir`, ... into DIR.
  public var dumpDirectory: String?

  public init() {}

  /// The flags understood by `set(flag:value:)`, for a command's help and option table.
  public static let flags: [(name: String, valueName: String?, help: String)] = [
    ("print-before-all", nil, "print the IR before every pass"),
    ("print-after-all", nil, "print the IR after every pass"),
    ("print-before", "PASS[,PASS]", "print the IR before the named passes"),
    ("print-after", "PASS[,PASS]", "print the IR after the named passes"),
    ("print-after-change", nil, "with --print-after(-all), print only if the pass changed the IR"),
    ("verify-each", nil, "verify the IR after every pass"),
    ("stop-after", "PASS", "stop the pipeline after the named pass"),
    ("time-passes", nil, "report the time spent in every pass"),
    ("dump-dir", "DIR", "write the IR after every pass to DIR/NN-<pass>.ir (00-input.ir first)"),
  ]

  /// Applies one flag (name without `--`). Returns false when the flag is not a pass-manager flag,
  /// so a command can try its own options next. Lists may be comma-separated or repeated.
  @discardableResult
  public mutating func set(flag: String, value: String?) throws -> Bool {
    guard let spec = PassOptions.flags.first(where: { $0.name == flag }) else { return false }
    if spec.valueName == nil {
      guard value == nil else { throw PassError.invalidOption(flag: flag, message: "is a flag and takes no value") }
    } else {
      guard let value, !value.isEmpty else {
        throw PassError.invalidOption(flag: flag, message: "needs a value (\(spec.valueName ?? "value"))")
      }
    }
    let names = (value ?? "").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    switch flag {
    case "print-before-all": printBeforeAll = true
    case "print-after-all": printAfterAll = true
    case "print-before": printBefore += names
    case "print-after": printAfter += names
    case "print-after-change": printAfterChangeOnly = true
    case "verify-each": verifyEach = true
    case "stop-after":
      guard names.count == 1 else { throw PassError.invalidOption(flag: flag, message: "names exactly one pass") }
      stopAfter = names[0]
    case "time-passes": timePasses = true
    case "dump-dir": dumpDirectory = value
    default: return false
    }
    return true
  }

  /// Every stage name mentioned by a flag, with the flag, for validation.
  public var namedStages: [(name: String, flag: String)] {
    printBefore.map { ($0, "print-before") } + printAfter.map { ($0, "print-after") }
      + (stopAfter.map { [($0, "stop-after")] } ?? [])
  }

  /// Throws `PassError.unknownPass` listing the valid names if a flag names an unknown stage.
  public func validate(stageNames: [String]) throws {
    let known = Set(stageNames)
    for (name, flag) in namedStages where !known.contains(name) {
      throw PassError.unknownPass(name, flag: flag, valid: stageNames)
    }
  }

  func printsBefore(_ stage: String) -> Bool { printBeforeAll || printBefore.contains(stage) }
  func printsAfter(_ stage: String) -> Bool { printAfterAll || printAfter.contains(stage) }
}

extension String {
  var trimmingSpaces: String {
    var text = Substring(self)
    while text.first == " " { text = text.dropFirst() }
    while text.last == " " { text = text.dropLast() }
    return String(text)
  }
}
