// What a compiled model says about itself (`stunet_model_describe()` in model.o), read into Swift
// values: sizes of the weights and the scratch arena, the inputs and outputs with their shapes and
// places in the arena, the fingerprint shared with weights.bin, and the metadata lines (compiler,
// target CPU and features, classes, preprocessing settings from the checkpoint's plans).
import AOTModelABI

public struct ModelTensorDescription: Equatable, Sendable {
  public enum ElementType: Int, Sendable {
    case float32 = 0
    case int64 = 1

    public var byteSize: Int { self == .float32 ? 4 : 8 }
  }

  public var name: String
  public var elementType: ElementType
  public var shape: [Int]
  /// Where the model keeps it in the scratch arena; nil for an output written straight into the caller's array.
  public var scratchOffset: Int?
  public var byteCount: Int

  public var elementCount: Int { shape.reduce(1, *) }
}

public struct ModelDescription: Equatable, Sendable {
  public var abiVersion: Int
  public var alignment: Int
  public var weightsBytes: Int
  public var scratchBytes: Int
  public var inputs: [ModelTensorDescription]
  public var outputs: [ModelTensorDescription]
  public var name: String
  public var fingerprint: String
  /// key=value pairs in the order the compiler wrote them.
  public var metadata: [(key: String, value: String)]

  public static func == (a: ModelDescription, b: ModelDescription) -> Bool {
    a.abiVersion == b.abiVersion && a.alignment == b.alignment && a.weightsBytes == b.weightsBytes
      && a.scratchBytes == b.scratchBytes && a.inputs == b.inputs && a.outputs == b.outputs && a.name == b.name
      && a.fingerprint == b.fingerprint && a.metadata.map(\.key) == b.metadata.map(\.key)
      && a.metadata.map(\.value) == b.metadata.map(\.value)
  }

  /// The value of a metadata key, if present.
  public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }

  /// Reads the C description; throws for an ABI this runtime does not speak.
  public init(_ raw: UnsafePointer<stunet_model_description>) throws {
    let value = raw.pointee
    abiVersion = Int(value.abi_version)
    guard abiVersion == Int(STUNET_MODEL_ABI_VERSION) else {
      throw AOTRuntimeError.unsupportedABI(found: abiVersion, expected: Int(STUNET_MODEL_ABI_VERSION))
    }
    alignment = Int(value.alignment)
    weightsBytes = Int(value.weights_bytes)
    scratchBytes = Int(value.scratch_bytes)
    inputs = try ModelDescription.tensors(value.inputs, count: Int(value.input_count))
    outputs = try ModelDescription.tensors(value.outputs, count: Int(value.output_count))
    name = value.name.map { String(cString: $0) } ?? ""
    fingerprint = value.fingerprint.map { String(cString: $0) } ?? ""
    let text = value.metadata.map { String(cString: $0) } ?? ""
    metadata = text.split(separator: "\n").compactMap { line in
      guard let equals = line.firstIndex(of: "=") else { return nil }
      return (String(line[..<equals]), String(line[line.index(after: equals)...]))
    }
  }

  private static func tensors(_ start: UnsafePointer<stunet_tensor_description>?, count: Int) throws -> [ModelTensorDescription] {
    guard let start, count > 0 else { return [] }
    return try (0..<count).map { index in
      let raw = start[index]
      let name = raw.name.map { String(cString: $0) } ?? "tensor\(index)"
      guard let type = ModelTensorDescription.ElementType(rawValue: Int(raw.element_type)) else {
        throw AOTRuntimeError.unsupportedElementType(name: name, code: Int(raw.element_type))
      }
      let rank = max(0, min(8, Int(raw.rank)))
      let shape = withUnsafeBytes(of: raw.shape) { bytes in
        (0..<rank).map { Int(bytes.load(fromByteOffset: $0 * 8, as: Int64.self)) }
      }
      return ModelTensorDescription(
        name: name, elementType: type, shape: shape, scratchOffset: raw.scratch_offset < 0 ? nil : Int(raw.scratch_offset),
        byteCount: Int(raw.byte_count))
    }
  }
}
