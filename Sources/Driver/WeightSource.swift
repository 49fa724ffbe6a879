// Loads weights for the command line from any supported file (nnU-Net v1 `.model`, v2 `.pth`,
// bare state dicts, safetensors, npz) and derives the STU-Net configuration they imply: widths,
// depths, classes and input channels from the shapes; strides from the plans that travel with the
// checkpoint, or the TotalSegmentator strides (said so) when there are none.
import Checkpoint
import DSL
import Foundation
import TensorCore

public struct WeightSource {
  public var checkpoint: LoadedCheckpoint
  public var path: String
  /// Configuration implied by the shapes and plans, when the keys look like STU-Net.
  public var configuration: STUNetConfiguration?
  /// Why `configuration` is nil, or how it was completed (e.g. "no plans: TotalSegmentator strides").
  public var configurationNotes: [String]

  public var tensors: [String: Tensor] { checkpoint.tensors }

  public var summary: String {
    var text = "\(path): \(checkpoint.format), \(checkpoint.layout), \(checkpoint.tensors.count) tensors"
    if let configuration { text += "; \(configuration)" }
    return ([text] + configurationNotes + checkpoint.notes).joined(separator: "\n  ")
  }

  public static func load(path: String) throws -> WeightSource {
    guard FileManager.default.fileExists(atPath: path) else {
      throw CommandLineError("weights file '\(path)' does not exist")
    }
    let checkpoint = try CheckpointLoader.load(URL(fileURLWithPath: path))
    var notes: [String] = []
    var configuration: STUNetConfiguration?
    do {
      let signature = try checkpoint.shapeSignature()
      var strides = STUNetConfiguration.totalSegmentatorStrides
      if let plans = checkpoint.plans, plans.strides.count == signature.widths.count - 1 {
        strides = plans.strides
      } else if signature.widths.count == 6 {
        notes.append("no usable plans: assuming the TotalSegmentator strides (2,2,2)x4,(1,1,2); --strides overrides")
      } else {
        strides = Array(repeating: [2, 2, 2], count: max(signature.widths.count - 1, 0))
        notes.append("no usable plans: assuming strides (2,2,2) everywhere; --strides overrides")
      }
      configuration = STUNetConfiguration(
        widths: signature.widths, depths: signature.depths, strides: strides, kernelSizes: signature.kernelSizes,
        inputChannels: signature.inputChannels, numClasses: signature.numClasses)
    } catch {
      notes.append("not recognised as STU-Net: \(error)")
    }
    return WeightSource(checkpoint: checkpoint, path: path, configuration: configuration, configurationNotes: notes)
  }
}

extension ModelSelection {
  /// Like `resolve`, falling back to the configuration implied by a weights file (with --strides,
  /// --kernels, --classes applied on top).
  static func resolve(_ arguments: ParsedArguments, inferredFrom weights: WeightSource?) throws -> ModelSelection {
    if arguments.value("ir") != nil || arguments.has("variant") || arguments.has("widths") || weights == nil {
      return try resolve(arguments)
    }
    guard var configuration = weights?.configuration else {
      throw CommandLineError(
        "choose a model: --variant S|B|L|H, --widths ..., or --ir FILE (the weights file does not say which STU-Net it is)")
    }
    // Options that the weights' shapes already decide must agree with them, not be dropped.
    let decided: [(option: String, given: [Int]?, checkpoint: [Int], what: String)] = [
      ("classes", try arguments.integer("classes").map { [$0] }, [configuration.numClasses], "classes"),
      ("input-channels", try arguments.integer("input-channels").map { [$0] }, [configuration.inputChannels], "input channels"),
      ("depths", try arguments.integerList("depths"), configuration.depths, "blocks per stage"),
    ]
    for entry in decided {
      if let given = entry.given, given != entry.checkpoint {
        throw CommandLineError(
          "--\(entry.option) \(given.map(String.init).joined(separator: ",")) conflicts with the checkpoint's "
            + "\(entry.checkpoint.map(String.init).joined(separator: ",")) \(entry.what) (read from its weight shapes); "
            + "drop --\(entry.option), or declare the model yourself with --variant or --widths")
      }
    }
    let stages = configuration.widths.count
    if let spec = arguments.value("strides") {
      configuration.strides = try perStage(spec, count: stages - 1, option: "strides")
    }
    if let spec = arguments.value("kernels") {
      configuration.kernelSizes = try perStage(spec, count: stages, option: "kernels")
    }
    do {
      try configuration.validate()
    } catch {
      throw CommandLineError("\(error)")
    }
    let shape = try arguments.integerList("input-shape") ?? [1, configuration.inputChannels, 128, 128, 128]
    let built = try STUNet(configuration).graph(inputShape: shape, deepSupervision: arguments.has("deep-supervision"))
    return ModelSelection(graph: built.graph, configuration: configuration, stageOutputs: built.stageOutputs)
  }
}
