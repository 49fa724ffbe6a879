// `stunetc run`: runs a model on a .npy input with weights from a checkpoint (or seeded random
// weights) and writes the output as .npy; `--compare` checks it against a reference .npy. The
// JIT backend (default) compiles the graph through passes, lowering, memory planning and LLVM;
// `--backend interpreter` runs the reference graph interpreter instead.
import Archive
import Foundation
import GraphIR
import Interpreter
import TensorCore

struct RunCommand: Subcommand {
  let name = "run"
  let summary = "run a model on a .npy input and write the output as .npy"
  let usage = "--input x.npy --output y.npy (--weights FILE | --random-weights SEED) [model options] [--backend B]"
  var options: [OptionSpec] {
    ModelSelection.options + BackendOptions.options + CompilationPipeline.flagOptions + [
      .option("weights", "FILE", "checkpoint: .model/.pth (nnU-Net v1/v2), .safetensors or .npz"),
      .option("random-weights", "SEED", "use deterministic random weights instead of a checkpoint"),
      .option("input", "FILE", ".npy input of shape N,C,D,H,W (any numeric dtype numpy writes; converted to float32)"),
      .option("output", "FILE", "where to write the output: .npy (the first output) or .npz (every output, by name)"),
      .option("compare", "FILE", "reference .npy: print the max error against it, exit 3 beyond 1e-4 relative"),
      .flag("argmax", "write argmax labels over the class axis instead of logits"),
      .flag("kernel-times", "JIT: print the slowest kernels of the run"),
      .option("repeat", "N", "run N more times after the first (warm-up) and print the median and minimum"),
    ]
  }
  var details: String {
    """
    The model comes from --variant/--widths/... or, when none is given, from the checkpoint's
    shapes and plans. The input's shape sets the graph's input shape.

    The JIT compile time is reported by --time-passes (stage jit-compile).

    examples:
      stunetc run --variant S --weights small_ep4k.model --input patch.npy --output logits.npy
      stunetc run --variant S --random-weights 1 --input x.npy --output y.npy --threads 2 --time-passes
      stunetc run --variant S --weights small_ep4k.model --input x.npy --output y.npy --backend interpreter
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    guard let inputPath = arguments.value("input") else { throw CommandLineError("--input FILE.npy is required") }
    guard let outputPath = arguments.value("output") else { throw CommandLineError("--output FILE.npy is required") }
    let backend = try BackendOptions.parse(arguments)
    let writesArchive = outputPath.lowercased().hasSuffix(".npz")
    guard writesArchive || outputPath.lowercased().hasSuffix(".npy") else {
      throw CommandLineError("--output \(outputPath): give a .npy file (the first output) or a .npz file (every output)")
    }
    try FileOutput.checkWritable(outputPath)  // before minutes of work, not after
    if arguments.has("weights") && arguments.has("random-weights") {
      throw CommandLineError("give either --weights or --random-weights, not both")
    }
    // The reference of --compare is read and checked before the run, not after it.
    let reference = try arguments.value("compare").map { try NumpyFile.read(URL(fileURLWithPath: $0)) }
    var input = try NumpyFile.read(URL(fileURLWithPath: inputPath))
    input.dtype = .f32
    guard input.shape.count == 5 else {
      let kind = input.shape.isEmpty ? "a 0-d array (a scalar)" : "a \(input.shape.count)-D array of shape \(input.shape)"
      throw CommandLineError("the input \(inputPath) is \(kind); stunetc run needs a 5-D float array N,C,D,H,W")
    }
    let nonFinite = input.data.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
    if nonFinite > 0 {
      console.diagnostics(
        "warning: \(nonFinite) of \(input.count) input values are NaN or infinite; they propagate through the network "
          + "(stunetc segment replaces them by 0, as nnU-Net does)")
    }
    var weightsFile = try arguments.value("weights").map { try WeightSource.load(path: $0) }
    var modelArguments = arguments
    if arguments.value("input-shape") == nil {
      modelArguments.values["input-shape"] = [input.shape.map(String.init).joined(separator: ",")]
    }
    let model = try ModelSelection.resolve(modelArguments, inferredFrom: weightsFile)
    guard let graphInput = model.graph.inputs.first, graphInput.type.shape == input.shape else {
      throw CommandLineError(
        "the input \(inputPath) has shape \(input.shape) but the model expects \(model.graph.inputs.first?.type.description ?? "no input")"
      )
    }
    if let reference, let first = model.graph.outputs.first, let type = model.graph.valueTypes[first] {
      let expected = arguments.has("argmax") && type.shape.count >= 2 ? [type.shape[0]] + type.shape.dropFirst(2) : type.shape
      guard reference.shape == expected else {
        throw CommandLineError(
          "--compare: the reference has shape \(reference.shape) but the output %\(first) will have \(expected); nothing was run")
      }
    }
    var parameters: [String: Tensor]
    if let file = weightsFile {
      parameters = try WeightBinding.bind(file.tensors, to: model.graph)
      console.diagnostics("weights: \(file.summary)")
      weightsFile = nil
    } else if let seed = try arguments.integer("random-weights") {
      parameters = RandomWeights.generate(for: model.graph, seed: UInt64(truncatingIfNeeded: seed))
      console.diagnostics("weights: deterministic random weights (seed \(seed)); results mean nothing medically")
    } else {
      throw CommandLineError("give --weights CHECKPOINT (or --random-weights SEED for a smoke test)")
    }
    let start = Date()
    var outputs: [String: Tensor] = [:]
    var description = "the interpreter"
    if backend.backend == .jit {
      let pipeline = CompilationPipeline(
        options: try CompilationPipeline.options(from: arguments), passes: try CompilationPipeline.passes(from: arguments),
        output: { console.diagnostics($0.hasSuffix("\n") ? String($0.dropLast()) : $0) })
      let compiled = try CompiledModel(graph: model.graph, weights: parameters, options: backend, pipeline: pipeline)
      parameters = [:]  // the JIT packed its own copy; the checkpoint's tensors are not needed any more
      let compileSeconds = Date().timeIntervalSince(start)
      let runStart = Date()
      outputs = try compiled.runAll(input)
      let runSeconds = Date().timeIntervalSince(runStart)
      if var first = outputs[compiled.outputName], outputs.count == 1 {
        outputs = [:]
        try repeatRuns(arguments, console: console) { try compiled.run(input, into: &first) }
        outputs[compiled.outputName] = first
      } else {
        try repeatRuns(arguments, console: console) { _ = try compiled.runAll(input) }
      }
      if let jit = compiled.jitProgram {
        description = "the JIT (\(jit.threads) threads; compiled in \(Format.seconds(compileSeconds)), ran in \(Format.seconds(runSeconds)))"
        let interpreted = jit.kernels.filter { $0.interpretedBecause != nil }
        if !interpreted.isEmpty {
          console.diagnostics("\(interpreted.count) of \(jit.kernels.count) kernels ran in the interpreter: "
            + interpreted.map { "k\($0.index) \($0.kind.rawValue)" }.joined(separator: ", "))
        }
        if arguments.has("kernel-times") { console.diagnostics(BackendSummary.slowestKernels(jit, count: 10)) }
      }
    } else {
      let interpreter = try GraphInterpreter(graph: model.graph, parameters: parameters)
      outputs = try interpreter.run(inputs: [graphInput.name: input])
      try repeatRuns(arguments, console: console) { _ = try interpreter.run(inputs: [graphInput.name: input]) }
    }
    var named: [(String, Tensor)] = []
    for name in model.graph.outputs {
      guard var tensor = outputs.removeValue(forKey: name) else { throw CommandLineError("the graph produced no output %\(name)") }
      if arguments.has("argmax") { tensor = try ReferenceOps.argmax(tensor, axis: 1) }
      named.append((name, tensor))
    }
    guard let (firstName, output) = named.first else { throw CommandLineError("the graph has no output") }
    let seconds = Date().timeIntervalSince(start)
    if writesArchive {
      try NpzArchive.write(named, to: URL(fileURLWithPath: outputPath))
    } else {
      try NumpyFile.write(output, to: URL(fileURLWithPath: outputPath))
      if named.count > 1 {
        console.diagnostics(
          "note: the graph has \(named.count) outputs; \(outputPath) holds the first (%\(firstName)); "
            + "give --output FILE.npz to write all of them (" + named.map { "%\($0.0)" }.joined(separator: ", ") + ")")
      }
    }
    let shapes = writesArchive ? named.map { "\($0.1.shape)" }.joined(separator: ", ") : "\(output.shape)"
    console.diagnostics(
      "ran @\(model.graph.name) on \(input.shape) with \(description) in \(Format.seconds(seconds)); wrote \(shapes) to \(outputPath)"
    )
    if let reference {
      let report = TensorComparison.compare(output, reference)
      console.output("compare: \(report)")
      return report.maxRelativeToScale <= 1e-4 ? 0 : 3
    }
    return 0
  }

  /// `--repeat N`: times N further runs; prints median, minimum and the peak resident set.
  private func repeatRuns(_ arguments: ParsedArguments, console: Console, _ body: () throws -> Void) throws {
    guard let count = try arguments.integer("repeat") else { return }
    guard count >= 1 else { throw CommandLineError("--repeat must be at least 1, got \(count)") }
    var times: [Double] = []
    let cpuStart = BackendResources.cpuSeconds()
    for _ in 0..<count {
      let start = Date()
      try body()
      times.append(Date().timeIntervalSince(start))
    }
    let cpu = (BackendResources.cpuSeconds() - cpuStart) / Double(count)
    let wall = times.reduce(0, +) / Double(count)
    times.sort()
    console.diagnostics(
      "repeat \(count): median \(Format.seconds(times[count / 2])), min \(Format.seconds(times[0])), "
        + "peak RSS \(ReportFormat.bytes(BackendResources.peakResidentBytes())), "
        + String(format: "%.2f CPU seconds per wall second", wall > 0 ? cpu / wall : 0))
  }
}
