// `stunetc compile`: runs the compiler on a model and emits the chosen IR, with the pass-manager
// flags users of MLIR/IREE and Glow expect.
import GraphIR
import Passes

struct CompileCommand: Subcommand {
  let name = "compile"
  let summary = "optimise a model and emit its IR (graph, dot)"
  let usage = "(--variant S|B|L|H | --widths ... | --ir FILE) [--emit KIND] [pass flags] [-o FILE]"
  var options: [OptionSpec] {
    ModelSelection.options + CompilationPipeline.flagOptions + [
      .option("emit", "KIND", "graph (optimised Graph IR, default) or dot (Graphviz)"),
      .option("o", "FILE", "write the emitted text to FILE instead of stdout"),
    ]
  }
  var details: String {
    """
    examples:
      stunetc compile --variant S --print-after-all
      stunetc compile --variant B --print-after=fuse-conv-norm-act --stop-after=fuse-conv-norm-act
      stunetc compile --variant S --dump-dir /tmp/passes --time-passes --verify-each
      stunetc compile --variant S --emit dot -o s.dot
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    let model = try ModelSelection.resolve(arguments)
    let emit = arguments.value("emit") ?? "graph"
    guard ["graph", "dot"].contains(emit) else {
      throw CommandLineError("--emit \(emit) is not available: choose graph or dot")
    }
    let pipeline = CompilationPipeline(
      options: try CompilationPipeline.options(from: arguments), passes: try CompilationPipeline.passes(from: arguments),
      output: { console.diagnostics($0.hasSuffix("\n") ? String($0.dropLast()) : $0) })
    let (optimized, instrumentation) = try pipeline.optimize(model.graph)
    instrumentation.finish()
    let text = emit == "dot" ? DotPrinter.print(optimized) : Printer.print(optimized)
    if let path = arguments.value("o") {
      try FileOutput.writeAtomically(text, to: path)
    } else {
      console.output(String(text.dropLast()))
    }
    return 0
  }
}
