// `stunetc compile ... -o DIR` with weights (--weights CHECKPOINT or --random-weights SEED, or
// --emit bundle): the ahead-of-time bundle. The model goes through the same passes, lowering and
// memory plan as for the JIT, then the JIT's plan (same generators, tiles, packed weights) is
// written as DIR/model.o, model.h, weights.bin and the linked executable DIR/stunet-model. The
// checkpoint's plans (target spacing, normalisation) are recorded in the model's metadata for
// `stunet-model segment`.
import AOT
import Foundation
import KernelIR
import LLVMBackend
import TensorCore

enum AOTCompile {
  /// Bundle options beyond the code-generation ones every compile has (--threads: the pool the
  /// tiles are cut for, as `stunetc run --backend jit --threads N`; --target-cpu, --target-features).
  static let options: [OptionSpec] = [
    .option("weights", "FILE", "bundle: checkpoint (.model/.pth/.safetensors/.npz) whose weights go into weights.bin"),
    .option("random-weights", "SEED", "bundle: deterministic random weights instead of a checkpoint"),
    .flag("no-executable", "bundle: write model.o, model.h and weights.bin only, without linking stunet-model"),
  ]

  static let help = """
    ahead of time (a bundle folder; needs weights):
      stunetc compile --variant S --weights small_ep4k.model --input-shape 1,1,128,128,128 -o s-bundle
      s-bundle/stunet-model run --input x.npy --output y.npy      (or: segment ct.nii.gz -o seg.nii.gz)
    """

  /// A bundle is wanted: --emit bundle, or weights given without another --emit.
  static func isRequested(_ arguments: ParsedArguments) -> Bool {
    let emit = arguments.value("emit")
    return emit == "bundle" || (emit == nil && (arguments.has("weights") || arguments.has("random-weights")))
  }

  static func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    guard let folder = arguments.value("o") else { throw CommandLineError("a bundle needs its folder: -o DIR") }
    let start = Date()
    let weightsFile = try arguments.value("weights").map { try WeightSource.load(path: $0) }
    let model = try ModelSelection.resolve(arguments, inferredFrom: weightsFile)
    let parameters: [String: Tensor]
    if let weightsFile {
      parameters = try WeightBinding.bind(weightsFile.tensors, to: model.graph)
      console.diagnostics("weights: \(weightsFile.summary)")
    } else if let seed = try arguments.integer("random-weights") {
      parameters = RandomWeights.generate(for: model.graph, seed: UInt64(truncatingIfNeeded: seed))
      console.diagnostics("weights: deterministic random weights (seed \(seed)); results mean nothing medically")
    } else {
      throw CommandLineError("a bundle carries weights: give --weights CHECKPOINT (or --random-weights SEED for a smoke test)")
    }
    // Exactly what `stunetc run --backend jit` plans: the same lowering target, threads and options.
    let jitOptions = try BackendOptions.parse(arguments).jit
    let threads = jitOptions.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    let pipeline = CompilationPipeline(
      options: try CompilationPipeline.options(from: arguments), passes: try CompilationPipeline.passes(from: arguments),
      output: { console.diagnostics($0.hasSuffix("\n") ? String($0.dropLast()) : $0) })
    let compiled = try pipeline.compile(model.graph, target: BackendOptions.loweringTarget(threads: jitOptions.threads))
    compiled.instrumentation.finish()
    guard let program = compiled.program, compiled.report != nil else {
      throw CommandLineError("--stop-after stopped before memory planning: a bundle needs the planned program")
    }
    let frontSeconds = Date().timeIntervalSince(start)
    let plan = try ProgramKernelPlan(program: program, options: jitOptions, threads: threads)
    let schedule = try AOTSchedule(plan: plan, weights: parameters)

    var memory = MemorySummary(program).lines(kernels: program.kernels)
    memory.append(
      "AOT scratch:          \(schedule.scratchBytes) bytes (\(MemorySummary.human(schedule.scratchBytes))): arena "
        + "\(plan.arenaBytes) (outputs written in place: \(plan.outputsWrittenInPlace.sorted().joined(separator: ", "))) + kernel scratch \(plan.scratchByteCount)")
    memory.append("weights:              \(schedule.weights.byteCount) bytes (\(MemorySummary.human(schedule.weights.byteCount)))")
    let bundle = try AOTBundleWriter.write(
      schedule, to: URL(fileURLWithPath: folder),
      options: AOTBundleOptions(
        compiler: "stunetc \(CommandLineTool.version)", memoryReport: memory.joined(separator: "\n"),
        metadata: metadata(model: model, program: program, weights: weightsFile, threads: threads),
        linkExecutable: !arguments.has("no-executable"), optimizationPipeline: jitOptions.optimizationPipeline))

    console.output(report(bundle: bundle, schedule: schedule, frontSeconds: frontSeconds, total: Date().timeIntervalSince(start)))
    return 0
  }

  /// What the runner needs to know beyond the ABI: classes, patch, preprocessing from the plans.
  static func metadata(model: ModelSelection, program: KernelProgram, weights: WeightSource?, threads: Int) -> [(key: String, value: String)] {
    var items: [(key: String, value: String)] = [("planned_threads", "\(threads)")]
    if let input = program.inputBuffers.first, input.type.rank == 5 {
      items.append(("input_channels", "\(input.type.shape[1])"))
      items.append(("patch", input.type.shape[2...].map(String.init).joined(separator: ",")))
    }
    if let output = program.outputs.first.flatMap({ program.buffer(named: $0) }), output.type.rank == 5 {
      items.append(("classes", "\(output.type.shape[1])"))
    }
    if let configuration = model.configuration { items.append(("configuration", "\(configuration)")) }
    if let plans = weights?.checkpoint.plans {
      let scheme = plans.normalizationSchemes.first ?? "nonCT"
      let zScore = ["nonCT", "ZScoreNormalization"].contains(scheme)
      if plans.targetSpacing.count == 3 {
        items.append(("target_spacing", plans.targetSpacing.map { String($0) }.joined(separator: ",")))
      }
      items.append(("normalization", zScore ? "zscore" : scheme))
      items.append((
        "plans",
        "from \(plans.source): spacing \(plans.targetSpacing.map { String(format: "%g", $0) }.joined(separator: "x")) mm (k,j,i), normalisation '\(scheme)'"
      ))
    } else {
      items.append(("plans", "no plans with the weights: TotalSegmentator defaults (spacing 1.5 mm, z-score)"))
    }
    return items
  }

  static func report(bundle: AOTBundle, schedule: AOTSchedule, frontSeconds: Double, total: Double) -> String {
    var lines = ["wrote the AOT bundle of @\(schedule.name) to \(bundle.directory.path) (fingerprint \(bundle.fingerprint))"]
    var rows = [["file", "bytes", "what"]]
    rows.append([AOTBundle.objectName, ReportFormat.grouped(bundle.objectBytes), "the kernels and their schedule (\(schedule.steps.count) launches)"])
    rows.append([AOTBundle.headerName, "", "C interface and constants"])
    rows.append([AOTBundle.weightsName, ReportFormat.grouped(bundle.weightsFileBytes), "packed weights, memory-mapped at load"])
    if let bytes = bundle.executableBytes {
      rows.append([AOTBundle.executableName, ReportFormat.grouped(bytes), "standalone runner (no LLVM, Swift runtime static)"])
    }
    lines += ReportFormat.table(rows).split(separator: "\n").map { "  " + $0 }
    lines.append("scratch arena \(ReportFormat.bytes(schedule.scratchBytes)), weights \(ReportFormat.bytes(schedule.weights.byteCount))")
    let required = ModelFingerprint.requiredCPUFeatures(schedule.target)
    lines.append(
      "code for CPU '\(schedule.target.cpu)'" + (required.isEmpty ? "" : ": runs only where the CPU has " + required.joined(separator: ", "))
        + " (for other machines compile with --target-cpu, e.g. x86-64-v3 for any AVX2 CPU)")
    var timing = [["phase", "seconds"], ["graph passes, lowering, memory plan", String(format: "%.2f", frontSeconds)]]
    for (phase, seconds) in bundle.timings { timing.append([phase, String(format: "%.2f", seconds)]) }
    timing.append(["total", String(format: "%.2f", total)])
    lines += ReportFormat.table(timing).split(separator: "\n").map { "  " + $0 }
    return lines.joined(separator: "\n")
  }
}
