// The whole compilation as named stages under one instrumentation (print/verify/stop/time/dump
// flags): the graph passes, then lowering to the Kernel IR and memory planning.
import GraphIR
import KernelIR
import MemoryPlan
import Passes

public struct CompilationPipeline {
  public var options: PassOptions
  public var passes: [any GraphPass]
  public var output: (String) -> Void

  public init(options: PassOptions, passes: [any GraphPass] = optimizationPipeline(), output: @escaping (String) -> Void) {
    self.options = options
    self.passes = passes
    self.output = output
  }

  /// Pass-manager flags as command-line options.
  public static var flagOptions: [OptionSpec] {
    PassOptions.flags.map { flag in
      flag.valueName.map { OptionSpec.option(flag.name, $0, flag.help) } ?? OptionSpec.flag(flag.name, flag.help)
    } + [.option("passes", "A,B,...", "run these graph passes instead of the default pipeline (names: \(PassRegistry.names.joined(separator: ", ")))")]
  }

  public static func options(from arguments: ParsedArguments) throws -> PassOptions {
    var options = PassOptions()
    for flag in PassOptions.flags {
      if flag.valueName == nil {
        if arguments.flags.contains(flag.name) { try options.set(flag: flag.name, value: nil) }
      } else {
        for value in arguments.all(flag.name) { try options.set(flag: flag.name, value: value) }
      }
    }
    return options
  }

  public static func passes(from arguments: ParsedArguments) throws -> [any GraphPass] {
    guard let list = arguments.value("passes") else { return optimizationPipeline() }
    return try PassRegistry.pipeline(parsing: list)
  }

  /// Names of the kernel-level stages, after the graph passes.
  public static let kernelStages = ["lower-to-kernels", "plan-memory"]

  /// Graph passes, then lowering and memory planning, all under one instrumentation. Returns the
  /// planned kernel program, or nil when `--stop-after` named a graph pass (then `graph` is the result).
  public func compile(_ graph: Graph, target: TargetDescription) throws
    -> (graph: Graph, program: KernelProgram?, report: MemoryReport?, instrumentation: PassInstrumentation)
  {
    let (optimized, instrumentation) = try optimize(graph, laterStages: Self.kernelStages)
    guard !instrumentation.stopped else { return (optimized, nil, nil, instrumentation) }
    var program = try instrumentation.runStage(
      named: "lower-to-kernels", from: optimized, inputPrinter: Printer.print, printer: KernelPrinter.print,
      verifier: KernelVerifier.verify, fileExtension: "kir"
    ) { try Lowering.lower($0, target: target) }
    guard !instrumentation.stopped else { return (optimized, program, nil, instrumentation) }
    var report: MemoryReport?
    try instrumentation.runStage(
      named: "plan-memory", on: &program, printer: KernelPrinter.print,
      verifier: { try KernelVerifier.verify($0); try PlanChecker.check($0) }, fileExtension: "kir"
    ) { report = try MemoryPlanner.plan(&$0) }
    return (optimized, program, report, instrumentation)
  }

  /// Runs the graph passes; returns the optimised graph (or the graph at `--stop-after`).
  public func optimize(_ graph: Graph, laterStages: [String] = []) throws -> (Graph, PassInstrumentation) {
    let instrumentation = try PassInstrumentation(
      options: options, stageNames: passes.map(\.name) + laterStages, output: output)
    let optimized = try PassRunner.run(graph, passes: passes, instrumentation: instrumentation)
    return (optimized, instrumentation)
  }
}
