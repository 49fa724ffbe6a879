// The inert data a pickle decodes to. Scalars are values; every composite (tuple, list, dict, set,
// object, tensor, storage) is a node in the document's arena, referenced by index. Nothing in a
// pickle is ever executed: globals are just (module, name) pairs and calls become `PickleObject`
// descriptions, except for a few pure constructors (OrderedDict, set, tensor rebuilding, latin-1
// bytes) that are interpreted as the data they stand for.
import Archive

public enum PickleValue: Equatable, Sendable {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer that does not fit 64 bits: little-endian two's complement bytes.
  case bigInt([UInt8])
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case global(module: String, name: String)
  case node(Int)
}

public enum PickleNode: Sendable {
  case tuple([PickleValue])
  case list([PickleValue])
  case dict(PickleDictionary)
  case set([PickleValue], frozen: Bool)
  case object(PickleObject)
  case storage(StorageReference)
  case tensor(TensorReference)
}

/// A call or instantiation the pickle asked for, kept as a description (never performed).
public struct PickleObject: Sendable {
  public var callable: PickleValue
  public var arguments: [PickleValue]
  /// The BUILD state, if any (for numpy arrays: (version, shape, dtype, fortran, raw data)).
  public var state: PickleValue?
  public var listItems: [PickleValue] = []
  public var dictItems: [(PickleValue, PickleValue)] = []

  public var callableName: String? {
    if case .global(let module, let name) = callable { return module + "." + name }
    return nil
  }
}

/// An insertion-ordered dictionary indexed for O(1) updates. Composite keys (tuples) compare by
/// node identity, which never matters for checkpoints.
public struct PickleDictionary: Sendable {
  public private(set) var keys: [PickleValue] = []
  public private(set) var values: [PickleValue] = []
  private var index: [PickleValue: Int] = [:]

  public init() {}

  public var count: Int { keys.count }

  public mutating func set(_ key: PickleValue, _ value: PickleValue) {
    if let position = index[key] {
      values[position] = value
      return
    }
    index[key] = keys.count
    keys.append(key)
    values.append(value)
  }

  public func value(for key: PickleValue) -> PickleValue? {
    index[key].map { values[$0] }
  }

  public subscript(key: String) -> PickleValue? { value(for: .string(key)) }

  public var entries: [(key: PickleValue, value: PickleValue)] {
    Array(zip(keys, values)).map { (key: $0.0, value: $0.1) }
  }
}

extension PickleValue: Hashable {}

/// A storage named by a persistent id: ('storage', type, key, location, element count[, view]).
public struct StorageReference: Equatable, Sendable {
  public var key: String
  /// nil when the storage type is not one stunetc can decode (e.g. complex).
  public var kind: ElementKind?
  public var typeName: String
  public var elementCount: Int
  /// Device tag such as "cpu" or "cuda:0"; ignored, everything loads on the CPU.
  public var location: String
  /// Legacy-format views: the element offset into the root storage.
  public var viewOffset: Int = 0
}

/// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (or v1/v3): a strided view of a storage.
public struct TensorReference: Equatable, Sendable {
  public var storage: StorageReference
  public var storageOffset: Int
  public var shape: [Int]
  public var strides: [Int]
  /// The element kind to read (v3 rebuilds may carry a dtype differing from the storage type).
  public var kind: ElementKind?
}
