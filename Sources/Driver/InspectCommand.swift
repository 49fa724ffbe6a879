// `stunetc inspect FILE`: what a checkpoint or plans file holds — format, layout, tensors, dtypes,
// parameters, the STU-Net configuration its shapes imply and the preset it matches, and the plans.
import Checkpoint
import DSL
import Foundation
import TensorCore

struct InspectCommand: Subcommand {
  let name = "inspect"
  let summary = "describe a checkpoint (.model, .pth, .safetensors, .npz) or an nnU-Net plans file (.pkl)"
  let usage = "FILE [--keys]"
  var positionalCount: ClosedRange<Int> { 0...16 }
  var options: [OptionSpec] { [.flag("keys", "list every tensor with its shape and stored dtype")] }
  var details: String {
    """
    Bad files are named for what they are (a Git LFS pointer, an HTML page, a truncated archive, ...)
    before any parsing. For a v1 `.model`, the plans are read from the `.model.pkl` beside it.

    examples:
      stunetc inspect base_ep4k.model
      stunetc inspect base_ep4k.model.pkl
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    guard arguments.positionals.count == 1, let path = arguments.positionals.first else {
      throw CommandLineError("give exactly one file to inspect")
    }
    guard FileManager.default.fileExists(atPath: path) else { throw CommandLineError("'\(path)' does not exist") }
    if path.hasSuffix(".pkl") {
      let url = URL(fileURLWithPath: path)
      let plans: NNUNetPlans
      do {
        plans = try NNUNetPlans.load(v1PlansFile: url)
      } catch PlansError.missingField(_, let field) where field.hasPrefix("plans['plans_per_stage']") {
        // A valid plans file without the per-stage entries (a dataset-level plans.pkl): say what it has.
        guard let summary = try PlansSummary.load(url) else { throw PlansError.missingField(source: path, path: field) }
        console.output("file: \(path)\nformat: nnU-Net plans pickle without per-stage entries")
        for entry in summary.entries { console.output("  \(entry.key): \(entry.value)") }
        let shown = Set(summary.entries.map(\.key))
        let others = summary.keys.filter { !shown.contains($0) }
        if !others.isEmpty { console.output("  (also: \(others.joined(separator: ", ")))") }
        console.output(
          "note: it has no \(field) (strides, patch size, target spacing), so it cannot configure a model; "
            + "the trainer's .model.pkl beside a v1 checkpoint, or a v2 checkpoint's init_args, has them")
        return 0
      }
      console.output("file: \(path)\nformat: nnU-Net v1 plans pickle")
      console.output(Self.describe(plans))
      return 0
    }
    let source = try WeightSource.load(path: path)
    let checkpoint = source.checkpoint
    console.output("file: \(path)")
    console.output("format: \(checkpoint.format)")
    console.output("layout: \(checkpoint.layout)")
    var dtypeCounts: [String: Int] = [:]
    for name in checkpoint.keyOrder { dtypeCounts[checkpoint.sourceDTypes[name] ?? "?", default: 0] += 1 }
    let dtypes = dtypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    console.output("tensors: \(checkpoint.tensors.count) (\(dtypes)), loaded as float32")
    console.output("parameters: \(ReportFormat.grouped(checkpoint.parameterCount))")
    if let configuration = source.configuration {
      console.output("STU-Net configuration implied by the shapes:")
      console.output("  widths \(configuration.widths), depths \(configuration.depths)")
      console.output("  input channels \(configuration.inputChannels), classes \(configuration.numClasses)")
      console.output("  kernels \(configuration.kernelSizes)")
      console.output("  strides \(configuration.strides)\(checkpoint.plans == nil ? " (assumed)" : " (from the plans)")")
      let preset = configuration.presetName.map { "STU-Net-\($0)" } ?? Self.nearestPreset(configuration)
      console.output("  matches: \(preset)")
    }
    for note in source.configurationNotes + checkpoint.notes { console.output("note: \(note)") }
    if let plans = checkpoint.plans {
      console.output(Self.describe(plans))
    }
    if arguments.has("keys") {
      for name in checkpoint.keyOrder {
        let shape = checkpoint.tensors[name]?.shape ?? []
        console.output("  \(name)\t\(shape)\t\(checkpoint.sourceDTypes[name] ?? "?")")
      }
    }
    return 0
  }

  static func describe(_ plans: NNUNetPlans) -> String {
    var lines = ["plans (\(plans.source)):"]
    if let trainer = plans.trainerName { lines.append("  trainer: \(trainer)") }
    lines.append("  strides: \(plans.strides)")
    lines.append("  patch size: \(plans.patchSize.map(String.init).joined(separator: "x"))")
    lines.append("  target spacing: \(plans.targetSpacing.map { String($0) }.joined(separator: " x ")) mm")
    lines.append("  normalization: \(plans.normalizationSchemes.joined(separator: ", "))")
    if let classes = plans.numClasses { lines.append("  classes (with background): \(classes)") }
    return lines.joined(separator: "\n")
  }

  static func nearestPreset(_ configuration: STUNetConfiguration) -> String {
    for (name, preset) in STUNetConfiguration.presets
    where preset.widths == configuration.widths && preset.depths == configuration.depths {
      return "STU-Net-\(name) architecture with a different setup (classes, channels or strides)"
    }
    return "a custom variant (no official preset)"
  }
}
