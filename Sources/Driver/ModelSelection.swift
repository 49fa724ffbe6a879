// How every subcommand picks a model: a preset (--variant), a custom configuration (--widths,
// --depths, --strides, --kernels, --classes, --input-channels), or a Graph IR text file (--ir).
import DSL
import Foundation
import GraphIR

public struct ModelSelection {
  public var graph: Graph
  /// nil when the graph came from an IR file.
  public var configuration: STUNetConfiguration?
  public var stageOutputs: [String: String]

  public static let options: [OptionSpec] = [
    .option("variant", "S|B|L|H", "official preset (TotalSegmentator setup: 1 input channel, 105 classes); the options below override its values"),
    .option("widths", "W0,..,W5", "custom channel widths per stage"),
    .option("depths", "D0,..,D5", "custom residual blocks per stage"),
    .option("strides", "SPEC", "downsampling strides: '2' (all 2), '2,2,2' (each), or '2,2,2:2,2,2:2,2,2:2,2,2:1,1,2'"),
    .option("kernels", "SPEC", "kernel sizes per stage, same forms as --strides (default 3)"),
    .option("classes", "N", "number of output classes (default 105)"),
    .option("input-channels", "N", "number of input channels (default 1)"),
    .option("input-shape", "N,C,D,H,W", "input shape (default 1,C,128,128,128)"),
    .option("ir", "FILE", "read the Graph IR from a text file instead of building a variant"),
    .flag("deep-supervision", "return all five heads, coarsest last (default: only the full-resolution head)"),
  ]

  /// The configuration described by the options, or nil when none of them is given.
  public static func configuration(_ arguments: ParsedArguments) throws -> STUNetConfiguration? {
    let custom = ["widths", "depths", "strides", "kernels", "classes", "input-channels"].filter { arguments.has($0) }
    var configuration: STUNetConfiguration
    if let variant = arguments.value("variant") {
      guard let preset = STUNetConfiguration.preset(named: variant) else {
        throw CommandLineError("unknown variant '\(variant)': use S, B, L or H, or --widths/--depths for a custom one")
      }
      configuration = preset
    } else if custom.isEmpty {
      return nil
    } else {
      guard let widths = try arguments.integerList("widths") else {
        throw CommandLineError("a custom variant needs --widths (or give --variant S|B|L|H)")
      }
      let depths = try arguments.integerList("depths") ?? Array(repeating: 1, count: widths.count)
      configuration = STUNetConfiguration(widths: widths, depths: depths)
      if widths.count != 6, !arguments.has("strides") {
        throw CommandLineError("--widths has \(widths.count) stages; give --strides with \(widths.count - 1) entries")
      }
    }
    if let widths = try arguments.integerList("widths") { configuration.widths = widths }
    if let depths = try arguments.integerList("depths") { configuration.depths = depths }
    let stages = configuration.widths.count
    if let spec = arguments.value("strides") {
      configuration.strides = try perStage(spec, count: stages - 1, option: "strides")
    }
    if let spec = arguments.value("kernels") {
      configuration.kernelSizes = try perStage(spec, count: stages, option: "kernels")
    }
    if let classes = try arguments.integer("classes") { configuration.numClasses = classes }
    if let channels = try arguments.integer("input-channels") { configuration.inputChannels = channels }
    do {
      try configuration.validate()
    } catch {
      throw CommandLineError("\(error)")
    }
    return configuration
  }

  /// Parses '2', '2,2,2' or '2,2,2:1,1,2:...' into `count` triples.
  static func perStage(_ spec: String, count: Int, option: String) throws -> [[Int]] {
    let groups = spec.split(separator: ":").map(String.init)
    let triples = try groups.map { group -> [Int] in
      let numbers = try ParsedArguments.integers(group, option: option)
      switch numbers.count {
      case 1: return Array(repeating: numbers[0], count: 3)
      case 3: return numbers
      default: throw CommandLineError("--\(option): '\(group)' must be one integer or three (D,H,W)")
      }
    }
    if triples.count == 1 { return Array(repeating: triples[0], count: count) }
    guard triples.count == count else {
      throw CommandLineError("--\(option) needs \(count) entries separated by ':', got \(triples.count)")
    }
    return triples
  }

  public static func resolve(_ arguments: ParsedArguments, defaultVariant: String? = nil) throws -> ModelSelection {
    if let path = arguments.value("ir") {
      let text = try TextInput.read(path, what: "IR file")
      let graph = try Parser.parse(text)
      try Verifier.verify(graph)
      return ModelSelection(graph: graph, configuration: nil, stageOutputs: [:])
    }
    var configuration = try configuration(arguments)
    if configuration == nil, let defaultVariant { configuration = STUNetConfiguration.preset(named: defaultVariant) }
    guard let configuration else {
      throw CommandLineError("choose a model: --variant S|B|L|H, --widths ... for a custom variant, or --ir FILE")
    }
    let shape =
      try arguments.integerList("input-shape") ?? [1, configuration.inputChannels, 128, 128, 128]
    let built = try STUNet(configuration).graph(
      inputShape: shape, deepSupervision: arguments.has("deep-supervision"))
    return ModelSelection(graph: built.graph, configuration: configuration, stageOutputs: built.stageOutputs)
  }
}
