// The entry point for weights: identifies the file from its magic bytes, reads it with the matching
// reader (torch zip, torch legacy, safetensors, npz), picks the state dict, converts every tensor to
// float32 (fp16/bf16/f64 widened), and attaches the nnU-Net plans (v1: the `.model.pkl` beside a
// `.model`; v2: init_args inside the file).
import Archive
import Foundation
import TensorCore

public struct LoadedCheckpoint: Sendable {
  /// "torch zip", "torch legacy", "safetensors" or "npz".
  public var format: String
  /// e.g. "nnU-Net v1 (state_dict)", "nnU-Net v2 (network_weights)", "bare state dict".
  public var layout: String
  public var tensors: [String: Tensor]
  /// Tensor names in file order.
  public var keyOrder: [String]
  /// Element type each tensor had in the file ("float32", "float16", "bfloat16", ...).
  public var sourceDTypes: [String: String]
  public var plans: NNUNetPlans?
  /// Things worth telling the user (skipped entries, plans not found or unreadable).
  public var notes: [String]

  public var shapes: [String: [Int]] { tensors.mapValues(\.shape) }

  public func shapeSignature() throws -> STUNetShapeSignature {
    try STUNetShapeSignature.infer(from: shapes)
  }

  public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.count } }
}

public struct CheckpointLoadOptions: Sendable {
  /// Look for plans (v1 `.model.pkl` beside the file, v2 init_args).
  public var loadPlans = true
  public var pickleLimits = PickleLimits()
  public init() {}
}

public enum CheckpointLoader {
  public static func load(_ url: URL, options: CheckpointLoadOptions = CheckpointLoadOptions()) throws
    -> LoadedCheckpoint
  {
    let source: FileBytes
    do {
      source = try FileBytes(url: url)
    } catch let error as ArchiveError {
      throw CheckpointError.archive(error)
    }
    var checkpoint = try load(source: source, options: options)
    if options.loadPlans, checkpoint.plans == nil, checkpoint.layout.hasPrefix("nnU-Net v1") {
      let planURL = URL(fileURLWithPath: url.path + ".pkl")
      if FileManager.default.fileExists(atPath: planURL.path) {
        do {
          checkpoint.plans = try NNUNetPlans.load(v1PlansFile: planURL)
        } catch {
          checkpoint.notes.append("plans not used: \(error)")
        }
      } else {
        checkpoint.notes.append("no plans file \(planURL.lastPathComponent) beside the checkpoint")
      }
    }
    return checkpoint
  }

  /// Loads weights from any byte source (a file, or bytes in memory for tests and fuzzing).
  public static func load(source: RandomAccessBytes, options: CheckpointLoadOptions = CheckpointLoadOptions())
    throws -> LoadedCheckpoint
  {
    do {
      switch try FileDiagnosis.identify(source) {
      case .torchZip:
        return try loadTorch(TorchZipReader.read(source, limits: options.pickleLimits), source, options)
      case .torchLegacy:
        return try loadTorch(TorchLegacyReader.read(source, limits: options.pickleLimits), source, options)
      case .safetensors:
        return try loadSafetensors(source)
      case .npz:
        return try loadNpz(source)
      }
    } catch let error as ArchiveError {
      throw CheckpointError.archive(error)
    } catch let error as TensorError {
      throw CheckpointError.invalidTensor(file: source.name, name: "?", reason: error.description)
    }
  }

  /// The format of a file, from its magic bytes, without loading it.
  public static func identify(_ url: URL) throws -> CheckpointFormat {
    do {
      return try FileDiagnosis.identify(FileBytes(url: url))
    } catch let error as ArchiveError {
      throw CheckpointError.archive(error)
    }
  }

  static func elementBudget(_ source: RandomAccessBytes) -> Int {
    // Every stored element takes at least one byte; allow storages shared by two views.
    2 * source.count + (1 << 20)
  }

  static func loadTorch(_ file: TorchPickleFile, _ source: RandomAccessBytes, _ options: CheckpointLoadOptions)
    throws -> LoadedCheckpoint
  {
    let selection = try CheckpointLayout.select(file.document, file: source.name)
    var materializer = TensorMaterializer(resolver: file.resolver, file: source.name, budget: elementBudget(source))
    var tensors: [String: Tensor] = [:]
    var dtypes: [String: String] = [:]
    var order: [String] = []
    for (name, reference) in selection.entries {
      tensors[name] = try materializer.materialize(reference, name: name)
      dtypes[name] = reference.kind?.rawValue ?? reference.storage.typeName
      order.append(name)
    }
    var notes: [String] = []
    if !selection.skipped.isEmpty {
      notes.append("skipped non-tensor entries: \(selection.skipped.prefix(8).joined(separator: ", "))")
    }
    var plans: NNUNetPlans?
    if options.loadPlans, selection.layout.hasPrefix("nnU-Net v2") {
      do {
        plans = try NNUNetPlans.decodeV2(file.document, source: source.name)
        if plans == nil { notes.append("the checkpoint's init_args carry no plans configurations") }
      } catch {
        notes.append("plans not used: \(error)")
      }
    }
    return LoadedCheckpoint(
      format: file.format.rawValue, layout: selection.layout, tensors: tensors, keyOrder: order,
      sourceDTypes: dtypes, plans: plans, notes: notes)
  }

  static func loadSafetensors(_ source: RandomAccessBytes) throws -> LoadedCheckpoint {
    let (entries, dataStart) = try SafetensorsReader.entries(source)
    let (names, stripped) = CheckpointLayout.stripModulePrefix(entries.map(\.name))
    var tensors: [String: Tensor] = [:]
    var dtypes: [String: String] = [:]
    for (name, entry) in zip(names, entries) {
      tensors[name] = try SafetensorsReader.readTensor(entry, from: source, dataStart: dataStart)
      dtypes[name] = entry.kind.rawValue
    }
    return LoadedCheckpoint(
      format: CheckpointFormat.safetensors.rawValue,
      layout: stripped ? "bare state dict, 'module.' prefix stripped" : "bare state dict", tensors: tensors,
      keyOrder: names, sourceDTypes: dtypes, plans: nil, notes: [])
  }

  static func loadNpz(_ source: RandomAccessBytes) throws -> LoadedCheckpoint {
    let archive = try NpzArchive(archive: ZipArchive(source: source))
    let (names, stripped) = CheckpointLayout.stripModulePrefix(archive.names)
    var tensors: [String: Tensor] = [:]
    var dtypes: [String: String] = [:]
    for (name, member) in zip(names, archive.names) {
      var tensor = try archive.tensor(member)
      if tensor.dtype == .f16 { tensor.dtype = .f32 }  // widened to float32 like every other format
      tensors[name] = tensor
      if let entry = archive.archive.entry(named: member + ".npy") {
        dtypes[name] = try NumpyHeader.read(from: archive.archive.payload(of: entry)).kind.rawValue
      }
    }
    return LoadedCheckpoint(
      format: CheckpointFormat.npz.rawValue,
      layout: stripped ? "bare state dict, 'module.' prefix stripped" : "bare state dict", tensors: tensors,
      keyOrder: names, sourceDTypes: dtypes, plans: nil, notes: [])
  }
}
