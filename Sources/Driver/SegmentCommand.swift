// `stunetc segment`: a CT scan (NIfTI) in, a label map (NIfTI, the input's header geometry copied
// bit for bit) out, through the nnU-Net v1 inference pipeline of STUNET.md §7 (SegmentationPipeline)
// with the network on the chosen backend. Everything that can be checked is checked before the
// long computation; outputs are written atomically, and only after everything else succeeded, so
// a failed run leaves no output file behind.
import Archive
import DSL
import Foundation
import NIfTI
import SegmentCommandSupport
import Segmentation
import TensorCore

struct SegmentCommand: Subcommand {
  let name = "segment"
  let summary = "segment a CT scan (NIfTI) with STU-Net: label map out, optional preview PNG"
  let usage = "INPUT.nii[.gz] -o OUTPUT.nii[.gz] (--weights CHECKPOINT | --random-weights SEED) [options] | --demo"
  var positionalCount: ClosedRange<Int> { 0...16 }

  static let modelOptionNames: Set<String> = ["variant", "widths", "depths", "strides", "kernels", "classes"]

  var options: [OptionSpec] {
    [
      .option("o", "FILE", "output label map (.nii or .nii.gz)"),
      .option("output", "FILE", "same as -o"),
      .option("weights", "FILE", "checkpoint: nnU-Net v1 .model (plans from the .model.pkl beside it), v2 .pth, .safetensors, .npz"),
      .option("random-weights", "SEED", "deterministic random weights instead of a checkpoint (labels mean nothing)"),
    ] + ModelSelection.options.filter { Self.modelOptionNames.contains($0.name) } + [
      .flag("fast", "fast mode: argmax at the target spacing, labels resampled back (default: normal mode)"),
      .flag("tta", "test-time augmentation: 8 mirrored passes per tile (8x slower)"),
      .option("label-order", "ORDER", "stunet (default, STU-Net's alphabetical numbering) or totalsegmentator-v1"),
      .option("threads", "N", "worker threads for the pipeline steps (default: all cores)"),
      .option("preview", "FILE.png", "also write a PNG of three orthogonal slices with the labels overlaid"),
      .option("backend", "NAME", "jit (native code for this CPU, default) or interpreter (reference)"),
      .option("patch", "P | P0,P1,P2", "override the patch size (k,j,i)"),
      .option("spacing", "S | S0,S1,S2", "override the target spacing in mm (k,j,i)"),
      .option("normalization", "zscore", "use the per-image z-score even when the plans ask for another scheme"),
      .option("progress", "MODE", "auto (bar on a terminal, else lines), bar, lines or none"),
      .flag("demo", "segment the built-in synthetic CT phantom with STU-Net-S (files in the demo folder)"),
      .option("demo-folder", "DIR", "where --demo writes the phantom, label map and preview (default \(SegmentDemo.folder))"),
    ]
  }

  var details: String {
    """
    The model comes from the checkpoint (configuration from its shapes, preprocessing from its
    plans; TotalSegmentator defaults when it has none) or from --variant / --widths. Labels follow
    STU-Net's numbering unless --label-order totalsegmentator-v1 is given.

    examples:
      stunetc segment ct.nii.gz -o seg.nii.gz --weights small_ep4k.model --preview seg.png
      stunetc segment ct.nii.gz -o seg.nii.gz --weights base_ep4k.model --fast --label-order totalsegmentator-v1
      stunetc segment --demo                       (random weights; add --weights for real organs)
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    var arguments = arguments
    var extraStages: [StageTiming] = []
    var watch = Stopwatch()
    let demo = arguments.has("demo")
    if demo { try prepareDemo(&arguments, console: console) }

    // Everything about the files first: nothing long runs before a typo is reported.
    guard arguments.positionals.count == 1, let inputPath = arguments.positionals.first else {
      throw CommandLineError(
        arguments.positionals.isEmpty ? "give the input scan: stunetc segment INPUT.nii.gz -o OUTPUT.nii.gz ..."
          : "one input scan at a time; got \(arguments.positionals.count): \(arguments.positionals.joined(separator: " "))")
    }
    guard let outputPath = arguments.value("o") ?? arguments.value("output") else {
      throw CommandLineError("give the output label map: -o OUTPUT.nii.gz")
    }
    try Self.checkOutput(outputPath, suffixes: [".nii", ".nii.gz"], input: inputPath)
    let previewPath = arguments.value("preview")
    if let previewPath {
      try Self.checkOutput(previewPath, suffixes: [".png"], input: inputPath)
      guard previewPath != outputPath else { throw CommandLineError("--preview and -o name the same file") }
    }
    let backend = try SegmentBackend.named(arguments.value("backend") ?? SegmentBackend.jit.rawValue)
    let mode: SegmentationMode = arguments.has("fast") ? .fast : .normal
    let labelOrder = try Self.labelOrder(arguments.value("label-order"))
    let threads = try arguments.integer("threads") ?? ParallelLoop.defaultThreadCount
    guard (1...1024).contains(threads) else { throw CommandLineError("--threads expects 1...1024, got \(threads)") }
    let progress = try SegmentProgress.make(named: arguments.value("progress") ?? "auto", console: console)
    let randomSeed = try arguments.integer("random-weights")
    guard arguments.value("weights") == nil || randomSeed == nil else {
      throw CommandLineError("give either --weights or --random-weights, not both")
    }
    guard arguments.value("weights") != nil || randomSeed != nil else {
      throw CommandLineError(
        "give --weights CHECKPOINT (e.g. small_ep4k.model of STU-Net's TotalSegmentator models), or --random-weights SEED for a smoke test")
    }

    let image = try NIfTIReader.read(URL(fileURLWithPath: inputPath))
    for warning in image.warnings { console.diagnostics("warning: \(warning)") }
    extraStages.append(StageTiming(name: "read", seconds: watch.lap()))

    // The model, its weights and the backend.
    let weights = try arguments.value("weights").map { try WeightSource.load(path: $0) }
    let plans = try SegmentPlans.resolve(plans: weights?.checkpoint.plans, arguments: arguments)
    var modelArguments = arguments
    let channels = weights?.configuration?.inputChannels ?? 1
    modelArguments.values["input-shape"] = [([1, channels] + plans.patchSize).map(String.init).joined(separator: ",")]
    let model: ModelSelection
    do {
      model =
        weights == nil
        ? try ModelSelection.resolve(modelArguments, defaultVariant: "S")
        : try ModelSelection.resolve(modelArguments, inferredFrom: weights)
    } catch let error as STUNetError {
      throw CommandLineError(
        "the patch \(plans.patchSize.map(String.init).joined(separator: "x")) does not fit this network (\(error)); "
          + "give --patch with sizes divisible by the network's total stride")
    }
    guard let configuration = model.configuration, configuration.inputChannels == 1 else {
      throw CommandLineError("stunetc segment needs a one-channel model (one CT image); this one takes \(model.configuration?.inputChannels ?? 0) channels")
    }
    let parameters: [String: Tensor]
    if let weights {
      parameters = try WeightBinding.bind(weights.tensors, to: model.graph)
      console.diagnostics("weights: \(weights.summary)")
    } else {
      parameters = RandomWeights.generate(for: model.graph, seed: UInt64(truncatingIfNeeded: randomSeed ?? 0))
      console.diagnostics(
        "weights: RANDOM (seed \(randomSeed ?? 0)): the labels mean nothing medically. For real organs pass "
          + "--weights with an STU-Net TotalSegmentator checkpoint (e.g. small_ep4k.model, with small_ep4k.model.pkl beside it).")
    }
    console.diagnostics("model: \(configuration); graph input \(model.graph.inputs[0].type)")
    for note in plans.notes { console.diagnostics("plans: \(note)") }
    let (predictor, backendNotes) = try backend.makePredictor(graph: model.graph, parameters: parameters, threads: threads)
    for note in backendNotes { console.diagnostics(note) }
    extraStages.append(StageTiming(name: "model", seconds: watch.lap()))

    // The pipeline.
    let settings = SegmentationConfiguration(
      targetSpacing: plans.targetSpacing, patchSize: plans.patchSize, normalization: plans.normalization, mode: mode,
      testTimeAugmentation: arguments.has("tta"), threads: threads, labelOrder: labelOrder)
    if image.nonFiniteVoxelCount > 0 {
      console.diagnostics("warning: \(image.nonFiniteVoxelCount) NaN/Inf voxel(s) in \(inputPath) will be replaced by 0")
    }
    let result = try SegmentationPipeline(configuration: settings, predictor: predictor).run(image, showingProgressOn: progress)
    _ = watch.lap()

    // Outputs, only now, each atomically; the preview is encoded before anything is written.
    extraStages += try SegmentOutputs.write(result, of: image, to: outputPath, preview: previewPath)
    console.output(
      PipelineSummary.text(
        report: result.report, input: inputPath, output: outputPath, backend: backend.rawValue, extraStages: extraStages))
    if let previewPath { console.output("preview: \(previewPath)") }
    if weights == nil {
      console.output("note: random weights (seed \(randomSeed ?? 0)); use --weights CHECKPOINT for a real segmentation")
    }
    return 0
  }

  /// --demo: the phantom as input, outputs under out/demo/, STU-Net-S with random weights unless
  /// the user says otherwise.
  private func prepareDemo(_ arguments: inout ParsedArguments, console: Console) throws {
    let folder = arguments.value("demo-folder") ?? SegmentDemo.folder
    // The demo's default outputs go into its folder, also when the input is the user's own scan.
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw CommandLineError("--demo: cannot create the demo folder '\(folder)'; give --demo-folder DIR (\(error.localizedDescription))")
    }
    if arguments.positionals.isEmpty {
      let input = folder + "/" + SegmentDemo.inputName
      try SegmentDemo.writePhantom(to: URL(fileURLWithPath: input))
      console.diagnostics("demo: wrote the built-in synthetic CT phantom to \(input) (\(SegmentDemo.shapeIJK.map(String.init).joined(separator: "x")) voxels, int16 HU)")
      arguments.positionals = [input]
    }
    if arguments.value("o") == nil && arguments.value("output") == nil {
      arguments.values["o"] = [folder + "/" + SegmentDemo.outputName]
    }
    if arguments.value("preview") == nil { arguments.values["preview"] = [folder + "/" + SegmentDemo.previewName] }
    if arguments.value("weights") == nil && arguments.value("random-weights") == nil {
      arguments.values["random-weights"] = ["1"]
    }
    if arguments.value("weights") == nil && !Self.modelOptionNames.contains(where: { arguments.has($0) }) {
      arguments.values["variant"] = ["S"]
    }
  }

  static func labelOrder(_ name: String?) throws -> LabelOrder {
    try SegmentOptionCheck.labelOrder(named: name).mapError { CommandLineError($0.description) }.get()
  }

  /// The output's name and folder are usable and it is not the input.
  static func checkOutput(_ path: String, suffixes: [String], input: String) throws {
    if let problem = SegmentOptionCheck.outputProblem(path, suffixes: suffixes, input: input) { throw CommandLineError(problem) }
  }
}
