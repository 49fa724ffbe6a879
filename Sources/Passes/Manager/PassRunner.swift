// The pass manager for the Graph IR: runs a list of graph passes through PassInstrumentation,
// with the Graph IR printer and verifier as the IR hooks. The Driver can share one
// instrumentation between the graph passes and its later kernel-level stages.
import GraphIR

public struct PassRunner {
  public var options: PassOptions
  /// Stage names the Driver will run after the graph passes (lowering, planning), so that flags
  /// naming them are accepted by `run(_:passes:)`.
  public var laterStageNames: [String]
  public var output: (String) -> Void

  public init(
    options: PassOptions = PassOptions(), laterStageNames: [String] = [],
    output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }
  ) {
    self.options = options
    self.laterStageNames = laterStageNames
    self.output = output
  }

  /// Runs `passes` on `graph` with this runner's options; reports timing at the end under
  /// `--time-passes`. Stops early after the `--stop-after` pass.
  public func run(_ graph: Graph, passes: [any GraphPass]) throws -> Graph {
    let instrumentation = try PassInstrumentation(
      options: options, stageNames: passes.map(\.name) + laterStageNames, output: output)
    let result = try PassRunner.run(graph, passes: passes, instrumentation: instrumentation)
    instrumentation.finish()
    return result
  }

  /// Runs `passes` through a shared instrumentation (no timing report: call `finish()` at the end
  /// of the whole pipeline). Writes `00-input.ir` when no stage has been dumped yet.
  public static func run(_ graph: Graph, passes: [any GraphPass], instrumentation: PassInstrumentation) throws
    -> Graph
  {
    var graph = graph
    if !instrumentation.hasBegun {
      try instrumentation.begin(graph, printer: Printer.print, verifier: Verifier.verify)
    }
    for pass in passes where !instrumentation.stopped {
      try instrumentation.runStage(named: pass.name, on: &graph, printer: Printer.print, verifier: Verifier.verify) {
        try pass.run(&$0)
      }
    }
    return graph
  }
}
