// Loads weights for the command line from any supported file: `.npz` archives of named arrays
// and PyTorch / safetensors checkpoints (via the Checkpoint module).
import Archive
import DSL
import Foundation
import TensorCore

public struct WeightSource {
  public var tensors: [String: Tensor]
  public var summary: String
  /// Configuration implied by the tensor shapes and the plans, when it looks like STU-Net.
  public var configuration: STUNetConfiguration?

  public static func load(path: String) throws -> WeightSource {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: path) else {
      throw CommandLineError("weights file '\(path)' does not exist")
    }
    let archive = try NpzArchive(url: url)
    var tensors: [String: Tensor] = [:]
    for name in archive.names { tensors[name] = try archive.tensor(name) }
    return WeightSource(tensors: tensors, summary: "\(path): npz, \(tensors.count) arrays", configuration: nil)
  }
}

extension ModelSelection {
  /// Like `resolve`, falling back to the configuration implied by a weights file.
  static func resolve(_ arguments: ParsedArguments, inferredFrom weights: WeightSource?) throws -> ModelSelection {
    if try arguments.value("ir") != nil || configuration(arguments) != nil {
      return try resolve(arguments)
    }
    guard let configuration = weights?.configuration else {
      throw CommandLineError(
        "choose a model: --variant S|B|L|H, --widths ..., or --ir FILE (the weights file does not say which STU-Net it is)")
    }
    let shape = try arguments.integerList("input-shape") ?? [1, configuration.inputChannels, 128, 128, 128]
    let built = try STUNet(configuration).graph(inputShape: shape, deepSupervision: arguments.has("deep-supervision"))
    return ModelSelection(graph: built.graph, configuration: configuration, stageOutputs: built.stageOutputs)
  }
}
