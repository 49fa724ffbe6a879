// The nnU-Net plans that travel with a checkpoint: strides, patch size, target spacing,
// normalisation and class count cannot all be read from weight shapes.
//  - v1: the `.model.pkl` beside the `.model`, an OrderedDict with 'init', 'name' and 'plans';
//    plans['plans_per_stage'][stage] holds pool_op_kernel_sizes, patch_size and current_spacing
//    (NumPy arrays), plans['normalization_schemes'] maps modality -> scheme, and
//    plans['num_classes'] excludes background (the v1 trainer adds 1).
//  - v2: init_args['plans']['configurations'][init_args['configuration']] inside the .pth, whose
//    pool_op_kernel_sizes starts with the stem's [1,1,1] (dropped here); classes come from
//    init_args['dataset_json']['labels'] (background included).
import Archive
import Foundation

public struct NNUNetPlans: Equatable, Sendable {
  public var trainerName: String?
  /// Per-axis downsampling strides, one per encoder stage after the stem.
  public var strides: [[Int]]
  public var patchSize: [Int]
  public var targetSpacing: [Double]
  public var normalizationSchemes: [String]
  /// Output channels of the network (background included), when the plans say.
  public var numClasses: Int?
  /// Where the plans were read from.
  public var source: String

  public init(
    trainerName: String?, strides: [[Int]], patchSize: [Int], targetSpacing: [Double],
    normalizationSchemes: [String], numClasses: Int?, source: String
  ) {
    self.trainerName = trainerName
    self.strides = strides
    self.patchSize = patchSize
    self.targetSpacing = targetSpacing
    self.normalizationSchemes = normalizationSchemes
    self.numClasses = numClasses
    self.source = source
  }

  /// Reads an nnU-Net v1 `.model.pkl` (or a bare plans pickle that has plans_per_stage).
  public static func load(v1PlansFile url: URL) throws -> NNUNetPlans {
    try decodeV1(try loadDocument(url), source: url.path)
  }

  /// The decoded pickle of a plans file, unreadable files and bad pickles as `PlansError`.
  static func loadDocument(_ url: URL) throws -> PickleDocument {
    do {
      return try PickleMachine.load(FileBytes(url: url))
    } catch let error as PickleError {
      throw PlansError.unreadable(source: url.path, reason: error.description)
    } catch let error as ArchiveError {
      throw PlansError.unreadable(source: url.path, reason: error.description)
    }
  }

  public static func decodeV1(_ document: PickleDocument, source: String) throws -> NNUNetPlans {
    let root = document.root
    var plans = root
    var trainer: String?
    var stage = 0
    if let inner = document.value("plans", in: root) {
      plans = inner
      trainer = document.value("name", in: root).flatMap(document.string)
      if let initArguments = document.value("init", in: root).flatMap(document.items), initArguments.count > 5,
        let index = document.int(initArguments[5])
      {
        stage = index
      }
    }
    guard let stages = document.value("plans_per_stage", in: plans), let stageTable = document.dictionary(stages) else {
      throw PlansError.missingField(source: source, path: "plans['plans_per_stage']")
    }
    guard let stagePlans = stageTable.value(for: .int(stage)) ?? stageTable.values.first else {
      throw PlansError.missingField(source: source, path: "plans['plans_per_stage'][\(stage)]")
    }
    func field<T>(_ name: String, _ convert: (PickleValue) -> T?) throws -> T {
      guard let value = document.value(name, in: stagePlans) else {
        throw PlansError.missingField(source: source, path: "plans['plans_per_stage'][\(stage)]['\(name)']")
      }
      guard let converted = convert(value) else {
        throw PlansError.invalidField(source: source, path: "plans['plans_per_stage'][\(stage)]['\(name)']")
      }
      return converted
    }
    let strides = try field("pool_op_kernel_sizes", document.intMatrix)
    let patch = try field("patch_size", document.ints)
    let spacing = try field("current_spacing", document.doubles)
    let classes = document.value("num_classes", in: plans).flatMap(document.int).map { $0 + 1 }
    return NNUNetPlans(
      trainerName: trainer, strides: strides, patchSize: patch, targetSpacing: spacing,
      normalizationSchemes: schemes(document.value("normalization_schemes", in: plans), document),
      numClasses: classes, source: source)
  }

  /// Reads the plans an nnU-Net v2 checkpoint carries in 'init_args'; nil when it carries none.
  public static func decodeV2(_ document: PickleDocument, source: String) throws -> NNUNetPlans? {
    let root = document.root
    guard let initArguments = document.value("init_args", in: root),
      let plans = document.value("plans", in: initArguments),
      let configurations = document.value("configurations", in: plans).flatMap(document.dictionary)
    else { return nil }
    let name = document.value("configuration", in: initArguments).flatMap(document.string) ?? "3d_fullres"
    let path = "init_args['plans']['configurations']['\(name)']"
    // Follow 'inherits_from' (bounded) to fill fields the configuration does not override.
    var chain: [PickleValue] = []
    var current = configurations[name]
    while let configuration = current, chain.count < 8 {
      chain.append(configuration)
      current = document.value("inherits_from", in: configuration).flatMap(document.string).flatMap { configurations[$0] }
    }
    guard !chain.isEmpty else { throw PlansError.missingField(source: source, path: path) }
    func lookup(_ key: String) -> PickleValue? { chain.lazy.compactMap { document.value(key, in: $0) }.first }
    func field<T>(_ key: String, _ convert: (PickleValue) -> T?) throws -> T {
      guard let value = lookup(key) else { throw PlansError.missingField(source: source, path: path + "['\(key)']") }
      guard let converted = convert(value) else { throw PlansError.invalidField(source: source, path: path + "['\(key)']") }
      return converted
    }
    var strides = try field("pool_op_kernel_sizes", document.intMatrix)
    if let first = strides.first, first.allSatisfy({ $0 == 1 }) { strides.removeFirst() }
    let labels = document.value("dataset_json", in: initArguments).flatMap { document.value("labels", in: $0) }
    return NNUNetPlans(
      trainerName: document.value("trainer_name", in: root).flatMap(document.string), strides: strides,
      patchSize: try field("patch_size", document.ints), targetSpacing: try field("spacing", document.doubles),
      normalizationSchemes: schemes(lookup("normalization_schemes"), document),
      numClasses: labels.flatMap(document.dictionary).map(\.count), source: source + " (" + path + ")")
  }

  /// Scheme names from a list, or from a {modality: scheme} dict ordered by modality.
  static func schemes(_ value: PickleValue?, _ document: PickleDocument) -> [String] {
    guard let value else { return [] }
    if let items = document.items(value) { return items.compactMap(document.string) }
    guard let table = document.dictionary(value) else { return [] }
    return zip(table.keys, table.values).sorted { (document.int($0.0) ?? 0) < (document.int($1.0) ?? 0) }
      .compactMap { document.string($0.1) }
  }
}

public enum PlansError: Error, CustomStringConvertible, Equatable {
  case unreadable(source: String, reason: String)
  case missingField(source: String, path: String)
  case invalidField(source: String, path: String)

  public var description: String {
    switch self {
    case .unreadable(let source, let reason):
      return "\(source): the nnU-Net plans cannot be read (\(reason))"
    case .missingField(let source, let path):
      return
        "\(source): the nnU-Net plans lack \(path); use the trainer's .model.pkl (v1) or a checkpoint "
        + "with init_args (v2), or give the strides explicitly"
    case .invalidField(let source, let path):
      return "\(source): \(path) in the nnU-Net plans has an unexpected type or shape"
    }
  }
}
