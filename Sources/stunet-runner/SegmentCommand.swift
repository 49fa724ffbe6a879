// `stunet-model segment INPUT -o OUTPUT`: a CT scan (NIfTI) through the nnU-Net v1 inference
// pipeline (Segmentation.SegmentationPipeline) with the linked network as the tile predictor,
// with the options, progress and summary of `stunetc segment`. The patch is the one the model was
// compiled for; target spacing and normalisation come from the checkpoint's plans recorded at
// compile time (metadata), overridable with --spacing / --normalization. Everything that can be
// checked is checked before the long computation; outputs are written only at the end.
import AOTRuntime
import Archive
import CommandOptions
import Foundation
import NIfTI
import SegmentCommandSupport
import Segmentation
import TensorCore

enum SegmentCommand {
  static let options = [
    OptionSpec.option("o", "FILE", "output label map (.nii or .nii.gz)"),
    OptionSpec.option("output", "FILE", "same as -o"),
    OptionSpec.flag("fast", "fast mode: argmax at the target spacing, labels resampled back"),
    OptionSpec.flag("tta", "test-time augmentation: 8 mirrored passes per tile (8x slower)"),
    OptionSpec.option("label-order", "ORDER", "stunet (default) or totalsegmentator-v1"),
    OptionSpec.option("preview", "FILE.png", "also write a PNG of three orthogonal slices with the labels"),
    OptionSpec.option("spacing", "S | S0,S1,S2", "override the target spacing in mm (k,j,i)"),
    OptionSpec.option("normalization", "zscore", "use the per-image z-score whatever the plans said"),
    OptionSpec.option("progress", "MODE", "auto (bar on a terminal, else lines), bar, lines or none"),
  ] + RunnerTool.modelOptions

  static func run(_ arguments: [String]) throws -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        OptionSpec.helpText(
          program: "stunet-model", usage: "segment INPUT.nii[.gz] -o OUTPUT.nii[.gz] [options]",
          summary: "segment a CT scan with the linked network (patch fixed at compile time)", options: options))
      return 0
    }
    var extraStages: [StageTiming] = []
    var watch = Stopwatch()
    let parsed = try ParsedArguments.parse(arguments, specs: options)
    guard parsed.positionals.count == 1, let inputPath = parsed.positionals.first else {
      throw CommandLineError(
        parsed.positionals.isEmpty ? "give the input scan: stunet-model segment INPUT.nii.gz -o OUTPUT.nii.gz"
          : "one input scan at a time; got \(parsed.positionals.count)")
    }
    guard let outputPath = parsed.value("o") ?? parsed.value("output") else {
      throw CommandLineError("give the output label map: -o OUTPUT.nii.gz")
    }
    try checkOutput(outputPath, suffixes: [".nii", ".nii.gz"], input: inputPath)
    let previewPath = parsed.value("preview")
    if let previewPath {
      try checkOutput(previewPath, suffixes: [".png"], input: inputPath)
      guard previewPath != outputPath else { throw CommandLineError("--preview and -o name the same file") }
    }
    let labelOrder = try parseLabelOrder(parsed.value("label-order"))
    let threads = try parsed.integer("threads") ?? RunnerTool.defaultThreads
    guard (1...1024).contains(threads) else { throw CommandLineError("--threads expects 1...1024, got \(threads)") }
    let progress = try SegmentProgressPrinter.make(named: parsed.value("progress") ?? "auto")

    let image = try NIfTIReader.read(URL(fileURLWithPath: inputPath))
    for warning in image.warnings { RunnerTool.diagnostics("warning: \(warning)") }
    extraStages.append(StageTiming(name: "read", seconds: watch.lap()))

    let model = try RunnerTool.loadModel(parsed)
    let predictor = try AOTTilePredictor(model: model)
    guard model.description.inputs[0].shape[1] == 1 else {
      throw CommandLineError("segmenting needs a one-channel model (one CT image); this one takes \(model.description.inputs[0].shape[1])")
    }
    let settings = try preprocessing(model.description, arguments: parsed)
    RunnerTool.diagnostics(
      "model: @\(model.description.name) compiled by \(model.description.metadata("compiler") ?? "?"), patch "
        + predictor.patch.map(String.init).joined(separator: "x") + ", \(predictor.classes) classes, \(threads) thread(s)")
    for note in settings.notes { RunnerTool.diagnostics("plans: \(note)") }
    extraStages.append(StageTiming(name: "model", seconds: watch.lap()))

    let configuration = SegmentationConfiguration(
      targetSpacing: settings.spacing, patchSize: predictor.patch, normalization: .zScore,
      mode: parsed.has("fast") ? .fast : .normal, testTimeAugmentation: parsed.has("tta"), threads: threads,
      labelOrder: labelOrder)
    if image.nonFiniteVoxelCount > 0 {
      RunnerTool.diagnostics("warning: \(image.nonFiniteVoxelCount) NaN/Inf voxel(s) in \(inputPath) will be replaced by 0")
    }
    let result = try SegmentationPipeline(configuration: configuration, predictor: predictor).run(
      image, showingProgressOn: progress)
    _ = watch.lap()

    // Outputs, only now, each atomically; the preview is encoded before anything is written.
    extraStages += try SegmentOutputs.write(result, of: image, to: outputPath, preview: previewPath)
    print(
      PipelineSummary.text(report: result.report, input: inputPath, output: outputPath, backend: "aot", extraStages: extraStages))
    if let previewPath { print("preview: \(previewPath)") }
    return 0
  }

  /// Target spacing and normalisation: the compile-time plans (metadata), then the overrides.
  static func preprocessing(_ model: ModelDescription, arguments: ParsedArguments) throws -> (spacing: [Double], notes: [String]) {
    var notes: [String] = []
    var spacing = SegmentationConfiguration.totalSegmentatorSpacing
    if let text = model.metadata("target_spacing") {
      let values = text.split(separator: ",").compactMap { Double($0) }
      guard values.count == 3, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw CommandLineError("the model's recorded target spacing '\(text)' is unusable; give --spacing")
      }
      spacing = values
    }
    notes.append(model.metadata("plans") ?? "no plans recorded at compile time: TotalSegmentator defaults")
    if let text = arguments.value("spacing") {
      let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard values.count == 1 || values.count == 3, values.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0).isFinite }) else {
        throw CommandLineError("--spacing expects one positive size in mm or three (k,j,i), got '\(text)'")
      }
      spacing = values.count == 1 ? Array(repeating: values[0] ?? 1, count: 3) : values.map { $0 ?? 1 }
      notes.append("--spacing: target spacing \(spacing.map { String(format: "%g", $0) }.joined(separator: "x")) mm")
    }
    let normalization = model.metadata("normalization") ?? "zscore"
    if let requested = arguments.value("normalization") {
      guard ["zscore", "nonCT"].contains(requested) else {
        throw CommandLineError("--normalization accepts zscore (alias nonCT); the 'CT' scheme needs dataset statistics no checkpoint carries")
      }
      if normalization != "zscore" { notes.append("the plans asked for '\(normalization)': z-score used as asked by --normalization") }
    } else if normalization != "zscore" {
      throw CommandLineError(
        "the plans ask for '\(normalization)' normalisation, which needs dataset statistics no checkpoint carries. "
          + "Pass --normalization zscore to segment with a per-image z-score instead.")
    }
    return (spacing, notes)
  }

  static func parseLabelOrder(_ name: String?) throws -> LabelOrder {
    try SegmentOptionCheck.labelOrder(named: name).mapError { CommandLineError($0.description) }.get()
  }

  /// The output's name and folder are usable and it is not the input.
  static func checkOutput(_ path: String, suffixes: [String], input: String) throws {
    if let problem = SegmentOptionCheck.outputProblem(path, suffixes: suffixes, input: input) { throw CommandLineError(problem) }
  }
}
