// `stunetc compile`: runs the compiler on a model and emits the chosen IR, with the pass-manager
// flags users of MLIR/IREE and Glow expect; down to LLVM IR, assembly or an object file of every
// kernel the JIT would run (`--emit llvm|asm|obj`, `--dump-dir` adding one file per kernel).
import Foundation
import GraphIR
import KernelIR
import LLVMBackend
import Passes

struct CompileCommand: Subcommand {
  let name = "compile"
  let summary = "optimise, lower and plan a model; emit its IR (graph, kernels, dot, llvm, asm, obj)"
  let usage = "(--variant S|B|L|H | --widths ... | --ir FILE) [--emit KIND] [pass flags] [-o FILE]"
  var options: [OptionSpec] {
    ModelSelection.options + CompilationPipeline.flagOptions + BackendOptions.codegenOptions + [
      .option(
        "emit", "KIND",
        "graph (optimised Graph IR, default), kernels (planned Kernel IR with memory summary), dot, or the JIT's kernels as llvm (IR), asm or obj (needs -o)"),
      .option("target", "NAME", "avx2 (8-channel blocked layout, default) or scalar (plain NCDHW)"),
      .option("o", "FILE", "write the emitted text to FILE instead of stdout (a bundle: the folder)"),
    ] + AOTCompile.options
  }
  var details: String {
    """
    examples:
      stunetc compile --variant S --print-after-all
      stunetc compile --variant B --print-after=fuse-conv-norm-act --stop-after=fuse-conv-norm-act
      stunetc compile --variant S --dump-dir /tmp/passes --time-passes --verify-each
      stunetc compile --variant S --emit dot -o s.dot
      stunetc compile --variant H --emit kernels | tail -6     (the arena and its efficiency)
      stunetc compile --variant S --emit llvm -o s.ll --dump-dir /tmp/s --time-passes   (one .ll per kernel too)
      stunetc compile --variant S --emit asm --target-cpu haswell -o s.s
      stunetc compile --variant S --emit obj -o s.o

    """ + AOTCompile.help
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    if AOTCompile.isRequested(arguments) { return try AOTCompile.run(arguments, console: console) }
    let model = try ModelSelection.resolve(arguments)
    let emit = arguments.value("emit") ?? "graph"
    let codegen = ProgramEmission.Kind(rawValue: emit)
    guard ["graph", "dot", "kernels"].contains(emit) || codegen != nil else {
      throw CommandLineError("--emit \(emit) is not available: choose graph, kernels, dot, llvm, asm or obj")
    }
    if codegen == .object && arguments.value("o") == nil {
      throw CommandLineError("--emit obj writes a binary object file: give -o FILE")
    }
    let targetName = arguments.value("target") ?? "avx2"
    guard var target = ["avx2": KernelIR.TargetDescription.avx2, "scalar": KernelIR.TargetDescription.scalar][targetName] else {
      throw CommandLineError("unknown --target '\(targetName)': choose avx2 or scalar")
    }
    let backend = try BackendOptions.parse(arguments)
    if let threads = backend.jit.threads { target.threads = threads }
    // Options that only shape code generation do nothing for the graph-level emissions: say so
    // instead of silently ignoring them.
    if emit == "graph" || emit == "dot" {
      let unused = ["target", "threads", "target-cpu", "target-features"].filter { arguments.value($0) != nil }
      if !unused.isEmpty {
        console.diagnostics(
          "warning: " + unused.map { "--\($0)" }.joined(separator: ", ")
            + " only affect(s) --emit kernels|llvm|asm|obj; the \(emit) output does not depend on it")
      }
    }
    let pipeline = CompilationPipeline(
      options: try CompilationPipeline.options(from: arguments), passes: try CompilationPipeline.passes(from: arguments),
      output: { console.diagnostics($0.hasSuffix("\n") ? String($0.dropLast()) : $0) })
    let text: String
    if let codegen {
      return try emitCode(codegen, model: model, target: target, backend: backend, pipeline: pipeline, arguments, console: console)
    } else if emit == "kernels" {
      let result = try pipeline.compile(model.graph, target: target)
      result.instrumentation.finish()
      text = result.program.map(KernelPrinter.print) ?? Printer.print(result.graph)
    } else {
      // Only the graph passes run here: the stage count (n/N) and the accepted names say so.
      if let (name, flag) = pipeline.options.namedStages.first(where: { CompilationPipeline.kernelStages.contains($0.name) }) {
        throw CommandLineError("--\(flag)=\(name): that stage runs only with --emit kernels, llvm, asm or obj, not --emit \(emit)")
      }
      let (optimized, instrumentation) = try pipeline.optimize(model.graph)
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

  /// `--emit llvm|asm|obj`: the kernel stages, then code generation as the `jit-compile` stage.
  private func emitCode(
    _ kind: ProgramEmission.Kind, model: ModelSelection, target: KernelIR.TargetDescription, backend: BackendOptions,
    pipeline: CompilationPipeline, _ arguments: ParsedArguments, console: Console
  ) throws -> Int32 {
    let result = try pipeline.compile(model.graph, target: target, laterStages: [CompilationPipeline.codegenStage])
    guard let program = result.program, !result.instrumentation.stopped else {
      result.instrumentation.finish()
      let text = result.program.map(KernelPrinter.print) ?? Printer.print(result.graph)
      if let path = arguments.value("o") { try FileOutput.writeAtomically(text, to: path) } else { console.output(String(text.dropLast())) }
      return 0
    }
    var phases: [(phase: String, seconds: Double)] = []
    let unit = try result.instrumentation.runStage(
      named: CompilationPipeline.codegenStage, from: program, inputPrinter: KernelPrinter.print,
      printer: { kind == .object ? "; \($0.bytes.count) bytes of object code\n" : $0.text }, verifier: nil,
      fileExtension: kind.fileExtension
    ) { try ProgramEmission.wholeModule(kind, program: $0, options: backend.jit, timings: &phases) }
    if pipeline.options.timePasses {
      console.diagnostics(
        "jit-compile phases: " + phases.map { "\($0.phase) \(Format.seconds($0.seconds))" }.joined(separator: ", "))
    }
    if let directory = pipeline.options.dumpDirectory {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      for kernel in try ProgramEmission.perKernel(kind, program: program, options: backend.jit) {
        try FileOutput.writeAtomically(Data(kernel.bytes), to: directory + "/" + kernel.name + "." + kind.fileExtension)
      }
    }
    result.instrumentation.finish()
    if let path = arguments.value("o") {
      try FileOutput.writeAtomically(Data(unit.bytes), to: path)
    } else {
      console.output(String(unit.text.dropLast()))
    }
    return 0
  }
}
