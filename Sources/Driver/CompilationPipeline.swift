// The whole compilation as named stages under one instrumentation (print/verify/stop/time/dump
// flags): the graph passes, then lowering to the Kernel IR and memory planning, and for the JIT
// backend the code generation of every kernel ("jit-compile").
import GraphIR
import KernelIR
import LLVMBackend
import MemoryPlan
import Passes
import TensorCore

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
  /// The stage that turns the planned program into machine code (JIT) or LLVM IR/assembly/objects.
  public static let codegenStage = "jit-compile"

  /// Graph passes, then lowering and memory planning, all under one instrumentation. Returns the
  /// planned kernel program, or nil when `--stop-after` named a graph pass (then `graph` is the result).
  /// `laterStages` names stages the caller runs afterwards on the same instrumentation.
  public func compile(_ graph: Graph, target: KernelIR.TargetDescription, laterStages: [String] = []) throws
    -> (graph: Graph, program: KernelProgram?, report: MemoryReport?, instrumentation: PassInstrumentation)
  {
    let (optimized, instrumentation) = try optimize(graph, laterStages: Self.kernelStages + laterStages)
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

  /// `compile`, then JIT-compiles the planned program with its weights as the "jit-compile"
  /// stage (timed under --time-passes; --dump-dir writes the kernel summary). `jit` is nil when
  /// `--stop-after` named an earlier stage. The caller ends the instrumentation (`finish`).
  public func compileForJIT(_ graph: Graph, weights: [String: Tensor], options: JITProgramOptions) throws
    -> (graph: Graph, program: KernelProgram?, report: MemoryReport?, jit: JITProgram?, instrumentation: PassInstrumentation)
  {
    let target = BackendOptions.loweringTarget(threads: options.threads)
    let result = try compile(graph, target: target, laterStages: [Self.codegenStage])
    guard let program = result.program, !result.instrumentation.stopped else {
      return (result.graph, result.program, result.report, nil, result.instrumentation)
    }
    let jit = try result.instrumentation.runStage(
      named: Self.codegenStage, from: program, inputPrinter: KernelPrinter.print, printer: BackendSummary.describe,
      verifier: nil, fileExtension: "txt"
    ) { try JITProgram(program: $0, weights: weights, options: options) }
    return (result.graph, program, result.report, jit, result.instrumentation)
  }

  /// Runs the graph passes; returns the optimised graph (or the graph at `--stop-after`).
  public func optimize(_ graph: Graph, laterStages: [String] = []) throws -> (Graph, PassInstrumentation) {
    let instrumentation = try PassInstrumentation(
      options: options, stageNames: passes.map(\.name) + laterStages, output: output)
    let optimized = try PassRunner.run(graph, passes: passes, instrumentation: instrumentation)
    return (optimized, instrumentation)
  }
}
