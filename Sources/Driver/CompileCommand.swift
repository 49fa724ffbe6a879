// `stunetc compile`: runs the compiler on a model and emits the chosen IR, with the pass-manager
// flags users of MLIR/IREE and Glow expect.
import GraphIR
import KernelIR
import Passes

struct CompileCommand: Subcommand {
  let name = "compile"
  let summary = "optimise, lower and plan a model; emit its IR (graph, kernels, dot)"
  let usage = "(--variant S|B|L|H | --widths ... | --ir FILE) [--emit KIND] [pass flags] [-o FILE]"
  var options: [OptionSpec] {
    ModelSelection.options + CompilationPipeline.flagOptions + [
      .option("emit", "KIND", "graph (optimised Graph IR, default), kernels (planned Kernel IR with memory summary) or dot"),
      .option("target", "NAME", "avx2 (8-channel blocked layout, default) or scalar (plain NCDHW)"),
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
      stunetc compile --variant H --emit kernels | tail -6     (the arena and its efficiency)
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    let model = try ModelSelection.resolve(arguments)
    let emit = arguments.value("emit") ?? "graph"
    guard ["graph", "dot", "kernels"].contains(emit) else {
      throw CommandLineError("--emit \(emit) is not available: choose graph, kernels or dot")
    }
    let targetName = arguments.value("target") ?? "avx2"
    guard let target = ["avx2": TargetDescription.avx2, "scalar": TargetDescription.scalar][targetName] else {
      throw CommandLineError("unknown --target '\(targetName)': choose avx2 or scalar")
    }
    let pipeline = CompilationPipeline(
      options: try CompilationPipeline.options(from: arguments), passes: try CompilationPipeline.passes(from: arguments),
      output: { console.diagnostics($0.hasSuffix("\n") ? String($0.dropLast()) : $0) })
    let text: String
    if emit == "kernels" {
      let result = try pipeline.compile(model.graph, target: target)
      result.instrumentation.finish()
      text = result.program.map(KernelPrinter.print) ?? Printer.print(result.graph)
    } else {
      let (optimized, instrumentation) = try pipeline.optimize(model.graph, laterStages: CompilationPipeline.kernelStages)
      instrumentation.finish()
      text = emit == "dot" ? DotPrinter.print(optimized) : Printer.print(optimized)
    }
    if let path = arguments.value("o") {
      try FileOutput.writeAtomically(text, to: path)
    } else {
      console.output(String(text.dropLast()))
    }
    return 0
  }
}
