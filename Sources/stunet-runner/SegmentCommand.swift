// `stunet-model segment INPUT -o OUTPUT`: a CT scan (NIfTI) through the nnU-Net v1 inference
// pipeline (Segmentation.SegmentationPipeline) with the linked network as the tile predictor,
// with the options, progress and summary of `stunetc segment`. The patch is the one the model was
// compiled for; target spacing and normalisation come from the checkpoint's plans recorded at
// compile time (metadata), overridable with --spacing / --normalization. Everything that can be
// checked is checked before the long computation; outputs are written only at the end.
import AOTRuntime
import Archive
import Foundation
import NIfTI
import Segmentation
import TensorCore

enum SegmentCommand {
  static let options = [
    RunnerOption(name: "o", valueName: "FILE", help: "output label map (.nii or .nii.gz)"),
    RunnerOption(name: "output", valueName: "FILE", help: "same as -o"),
    RunnerOption(name: "fast", valueName: nil, help: "fast mode: argmax at the target spacing, labels resampled back"),
    RunnerOption(name: "tta", valueName: nil, help: "test-time augmentation: 8 mirrored passes per tile (8x slower)"),
    RunnerOption(name: "label-order", valueName: "ORDER", help: "stunet (default) or totalsegmentator-v1"),
    RunnerOption(name: "preview", valueName: "FILE.png", help: "also write a PNG of three orthogonal slices with the labels"),
    RunnerOption(name: "spacing", valueName: "S | S0,S1,S2", help: "override the target spacing in mm (k,j,i)"),
    RunnerOption(name: "normalization", valueName: "zscore", help: "use the per-image z-score whatever the plans said"),
    RunnerOption(name: "progress", valueName: "MODE", help: "auto (bar on a terminal, else lines), bar, lines or none"),
  ] + RunnerTool.modelOptions

  static func run(_ arguments: [String]) throws -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        RunnerArguments.help(
          usage: "segment INPUT.nii[.gz] -o OUTPUT.nii[.gz] [options]",
          summary: "segment a CT scan with the linked network (patch fixed at compile time)", options: options))
      return 0
    }
    var extraStages: [StageTiming] = []
    var watch = Stopwatch()
    let parsed = try RunnerArguments.parse(arguments, options: options)
    guard parsed.positionals.count == 1, let inputPath = parsed.positionals.first else {
      throw RunnerUsageError(
        parsed.positionals.isEmpty ? "give the input scan: stunet-model segment INPUT.nii.gz -o OUTPUT.nii.gz"
          : "one input scan at a time; got \(parsed.positionals.count)")
    }
    guard let outputPath = parsed.value("o") ?? parsed.value("output") else {
      throw RunnerUsageError("give the output label map: -o OUTPUT.nii.gz")
    }
    try checkOutput(outputPath, suffixes: [".nii", ".nii.gz"], input: inputPath)
    let previewPath = parsed.value("preview")
    if let previewPath {
      try checkOutput(previewPath, suffixes: [".png"], input: inputPath)
      guard previewPath != outputPath else { throw RunnerUsageError("--preview and -o name the same file") }
    }
    let labelOrder = try parseLabelOrder(parsed.value("label-order"))
    let threads = try parsed.integer("threads") ?? RunnerTool.defaultThreads
    guard (1...1024).contains(threads) else { throw RunnerUsageError("--threads expects 1...1024, got \(threads)") }
    let progress = SegmentProgressPrinter(style: try SegmentProgressPrinter.style(named: parsed.value("progress") ?? "auto"))

    let image = try NIfTIReader.read(URL(fileURLWithPath: inputPath))
    for warning in image.warnings { RunnerTool.diagnostics("warning: \(warning)") }
    extraStages.append(StageTiming(name: "read", seconds: watch.lap()))

    let model = try RunnerTool.loadModel(parsed)
    let predictor = try AOTTilePredictor(model: model)
    guard model.description.inputs[0].shape[1] == 1 else {
      throw RunnerUsageError("segmenting needs a one-channel model (one CT image); this one takes \(model.description.inputs[0].shape[1])")
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
    let result: SegmentationResult
    do {
      result = try SegmentationPipeline(configuration: configuration, predictor: predictor).run(
        image: image.voxelsKJI, spacing: image.spacingKJI, progress: progress.handle)
    } catch {
      progress.endBar()
      throw error
    }
    _ = watch.lap()

    // Outputs, only now; the preview is encoded before anything is written.
    var previewPNG: Data?
    if previewPath != nil {
      let picture = SlicePreview.render(image: image.voxelsKJI, labels: result.labels, spacingKJI: image.spacingKJI)
      previewPNG = try PNGWriter.encode(rgb: picture.pixels, width: picture.width, height: picture.height)
      extraStages.append(StageTiming(name: "preview", seconds: watch.lap()))
    }
    let outputURL = URL(fileURLWithPath: outputPath)
    try NIfTIWriter.writeLabels(result.labels, like: image.header, to: outputURL)
    if let previewPath, let previewPNG {
      do {
        try AtomicFile.write(previewPNG, to: URL(fileURLWithPath: previewPath))
      } catch {
        try? FileManager.default.removeItem(at: outputURL)
        throw error
      }
    }
    extraStages.append(StageTiming(name: "write", seconds: watch.lap()))
    print(SegmentSummaryText.text(report: result.report, input: inputPath, output: outputPath, extraStages: extraStages))
    if let previewPath { print("preview: \(previewPath)") }
    return 0
  }

  /// Target spacing and normalisation: the compile-time plans (metadata), then the overrides.
  static func preprocessing(_ model: ModelDescription, arguments: RunnerArguments) throws -> (spacing: [Double], notes: [String]) {
    var notes: [String] = []
    var spacing = SegmentationConfiguration.totalSegmentatorSpacing
    if let text = model.metadata("target_spacing") {
      let values = text.split(separator: ",").compactMap { Double($0) }
      guard values.count == 3, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw RunnerUsageError("the model's recorded target spacing '\(text)' is unusable; give --spacing")
      }
      spacing = values
    }
    notes.append(model.metadata("plans") ?? "no plans recorded at compile time: TotalSegmentator defaults")
    if let text = arguments.value("spacing") {
      let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard values.count == 1 || values.count == 3, values.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0).isFinite }) else {
        throw RunnerUsageError("--spacing expects one positive size in mm or three (k,j,i), got '\(text)'")
      }
      spacing = values.count == 1 ? Array(repeating: values[0] ?? 1, count: 3) : values.map { $0 ?? 1 }
      notes.append("--spacing: target spacing \(spacing.map { String(format: "%g", $0) }.joined(separator: "x")) mm")
    }
    let normalization = model.metadata("normalization") ?? "zscore"
    if let requested = arguments.value("normalization") {
      guard ["zscore", "nonCT"].contains(requested) else {
        throw RunnerUsageError("--normalization accepts zscore (alias nonCT); the 'CT' scheme needs dataset statistics no checkpoint carries")
      }
      if normalization != "zscore" { notes.append("the plans asked for '\(normalization)': z-score used as asked by --normalization") }
    } else if normalization != "zscore" {
      throw RunnerUsageError(
        "the plans ask for '\(normalization)' normalisation, which needs dataset statistics no checkpoint carries. "
          + "Pass --normalization zscore to segment with a per-image z-score instead.")
    }
    return (spacing, notes)
  }

  static func parseLabelOrder(_ name: String?) throws -> LabelOrder {
    guard let name else { return .stunet }
    guard let order = LabelOrder(rawValue: name) else {
      throw RunnerUsageError("--label-order expects \(LabelOrder.allCases.map(\.rawValue).joined(separator: " or ")), got '\(name)'")
    }
    return order
  }

  /// The output's name and folder are usable and it is not the input.
  static func checkOutput(_ path: String, suffixes: [String], input: String) throws {
    guard suffixes.contains(where: { path.lowercased().hasSuffix($0) }) else {
      throw RunnerUsageError("'\(path)' must end in \(suffixes.joined(separator: " or "))")
    }
    let url = URL(fileURLWithPath: path)
    guard url.standardizedFileURL.path != URL(fileURLWithPath: input).standardizedFileURL.path else {
      throw RunnerUsageError("the output '\(path)' would overwrite the input")
    }
    let folder = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw RunnerUsageError("the folder of '\(path)' does not exist: create \(folder) first")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
      throw RunnerUsageError("cannot write into \(folder) (permission denied)")
    }
  }
}
