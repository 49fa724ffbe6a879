// What the pickle machine makes of the calls PyTorch and NumPy checkpoints contain. Only pure data
// constructors are interpreted: tensor rebuilding (a strided view of a storage named by a persistent
// id), Parameter unwrapping, OrderedDict/set/frozenset, and `_codecs.encode(text, 'latin1')` (how
// protocol 2 pickles bytes). Everything else, including numpy scalars/arrays, torch.device and
// optimizer classes, stays an inert `PickleObject` for the caller to read as data or ignore.
import Archive

extension PickleMachine {
  /// Resolves torch's persistent ids ('storage', type, key, location, numel[, view metadata]).
  mutating func persistentLoad(_ id: PickleValue) throws -> PickleValue {
    guard let fields = tupleItems(id), fields.count >= 5, case .string("storage") = fields[0] else {
      // Other persistent ids (e.g. legacy 'module' source records) stay inert descriptions.
      let callable = PickleValue.global(module: "<persistent id>", name: "")
      return try addNode(.object(PickleObject(callable: callable, arguments: tupleItems(id) ?? [id])))
    }
    guard case .string(let key) = fields[2] else { throw malformed("BINPERSID", "the storage key is not a string") }
    let typeName = globalName(fields[1]) ?? "?"
    guard case .int(let count) = fields[4], count >= 0 else {
      throw malformed("BINPERSID", "storage '\(key)' has no valid element count")
    }
    var location = "cpu"
    if case .string(let tag) = fields[3] { location = tag }
    var storage = StorageReference(
      key: key, kind: TorchTypes.storageKind(typeName), typeName: typeName, elementCount: count, location: location)
    if fields.count >= 6, let view = tupleItems(fields[5]), view.count == 3 {
      // Legacy views: (view key, element offset, element count) into the root storage.
      guard case .int(let offset) = view[1], case .int(let viewCount) = view[2], offset >= 0, viewCount >= 0,
        offset <= count, viewCount <= count - offset
      else { throw malformed("BINPERSID", "storage view of '\(key)' lies outside it") }
      storage.viewOffset = offset
      storage.elementCount = viewCount
    }
    return try addNode(.storage(storage))
  }

  /// REDUCE / NEWOBJ: interpret pure constructors, describe everything else.
  mutating func reduce(_ callable: PickleValue, _ arguments: PickleValue, opcode: String) throws -> PickleValue {
    let args = tupleItems(arguments) ?? [arguments]
    guard case .global(let module, let name) = callable else {
      return try addNode(.object(PickleObject(callable: callable, arguments: args)))
    }
    switch (module, name) {
    case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v3"):
      return try rebuildTensor(args, dtypeArgument: name == "_rebuild_tensor_v3" ? 6 : nil)
    case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
      ("torch.nn.parameter", "Parameter"):
      guard let data = args.first else { throw malformed(opcode, "a parameter without data") }
      return data
    case ("collections", "OrderedDict"), ("builtins", "dict"), ("__builtin__", "dict"):
      var dictionary = PickleDictionary()
      if let source = args.first, let items = sequenceItems(source) {
        for item in items {
          guard let pair = tupleItems(item) ?? sequenceItems(item), pair.count == 2 else {
            throw malformed(opcode, "\(name) built from something other than key/value pairs")
          }
          dictionary.set(pair[0], pair[1])
        }
      }
      return try addNode(.dict(dictionary))
    case ("builtins", "set"), ("__builtin__", "set"), ("builtins", "frozenset"), ("__builtin__", "frozenset"):
      let members = args.first.flatMap { sequenceItems($0) } ?? []
      return try addNode(.set(members, frozen: name == "frozenset"))
    case ("_codecs", "encode"):
      if args.count >= 1, case .string(let text) = args[0] {
        guard let bytes = latin1(text) else { throw malformed(opcode, "latin-1 bytes with a character above U+00FF") }
        return .bytes(bytes)
      }
      return try addNode(.object(PickleObject(callable: callable, arguments: args)))
    case ("builtins", "bytearray"), ("__builtin__", "bytearray"), ("builtins", "bytes"), ("__builtin__", "bytes"):
      if let first = args.first, case .bytes = first { return first }
      if args.count == 2, case .string(let text) = args[0], let bytes = latin1(text) { return .bytes(bytes) }
      return try addNode(.object(PickleObject(callable: callable, arguments: args)))
    default:
      return try addNode(.object(PickleObject(callable: callable, arguments: args)))
    }
  }

  /// INST / OBJ (protocols 0 and 1): described like a REDUCE.
  mutating func instantiate(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue {
    try reduce(callable, try addNode(.tuple(arguments)), opcode: "INST")
  }

  /// (storage, storage_offset, size, stride, ...) -> a tensor reference; v3 carries a dtype at index 6.
  mutating func rebuildTensor(_ args: [PickleValue], dtypeArgument: Int?) throws -> PickleValue {
    guard args.count >= 4, case .node(let storageID) = args[0], case .storage(let storage) = nodes[storageID] else {
      throw malformed("REDUCE", "a tensor rebuilt without a storage")
    }
    guard case .int(let offset) = args[1], offset >= 0 else {
      throw malformed("REDUCE", "tensor on storage '\(storage.key)' has an invalid storage offset")
    }
    guard let shape = integers(args[2]), let strides = integers(args[3]), shape.count == strides.count,
      shape.count <= limits.maxTensorRank
    else {
      throw malformed("REDUCE", "tensor on storage '\(storage.key)' has an invalid size or stride")
    }
    var kind = storage.kind
    if let index = dtypeArgument, index < args.count, let dtypeName = globalName(args[index]) {
      kind = TorchTypes.dtypeKind(dtypeName)
    }
    return try addNode(
      .tensor(TensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides, kind: kind)))
  }

  /// The bytes a latin-1 string stands for (protocol 0-2 pickles encode bytes this way).
  func latin1(_ text: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      guard scalar.value < 256 else { return nil }
      bytes.append(UInt8(scalar.value))
    }
    return bytes
  }

  // MARK: - Reading composite arguments

  func tupleItems(_ value: PickleValue) -> [PickleValue]? {
    guard case .node(let id) = value, case .tuple(let items) = nodes[id] else { return nil }
    return items
  }

  func sequenceItems(_ value: PickleValue) -> [PickleValue]? {
    guard case .node(let id) = value else { return nil }
    switch nodes[id] {
    case .tuple(let items), .list(let items), .set(let items, _): return items
    default: return nil
    }
  }

  func integers(_ value: PickleValue) -> [Int]? {
    // torch.Size pickles as a plain tuple in _rebuild_tensor_v2; accept a Size object too.
    var items = sequenceItems(value)
    if items == nil, case .node(let id) = value, case .object(let object) = nodes[id], object.arguments.count == 1 {
      items = sequenceItems(object.arguments[0])
    }
    guard let items else { return nil }
    var result: [Int] = []
    for item in items {
      guard case .int(let number) = item else { return nil }
      result.append(number)
    }
    return result
  }

  func globalName(_ value: PickleValue) -> String? {
    if case .global(let module, let name) = value { return module + "." + name }
    return nil
  }
}

/// Torch storage class and dtype names mapped to element kinds.
enum TorchTypes {
  static func storageKind(_ qualifiedName: String) -> ElementKind? {
    let name = qualifiedName.split(separator: ".").last.map(String.init) ?? qualifiedName
    switch name {
    case "FloatStorage": return .float32
    case "DoubleStorage": return .float64
    case "HalfStorage": return .float16
    case "BFloat16Storage": return .bfloat16
    case "LongStorage": return .int64
    case "IntStorage": return .int32
    case "ShortStorage": return .int16
    case "CharStorage": return .int8
    case "ByteStorage", "UntypedStorage": return .uint8
    case "BoolStorage": return .bool
    default: return dtypeKind(qualifiedName)
    }
  }

  static func dtypeKind(_ qualifiedName: String) -> ElementKind? {
    guard qualifiedName.hasPrefix("torch.") else { return nil }
    switch qualifiedName.dropFirst(6) {
    case "float32", "float": return .float32
    case "float64", "double": return .float64
    case "float16", "half": return .float16
    case "bfloat16": return .bfloat16
    case "int64", "long": return .int64
    case "int32", "int": return .int32
    case "int16", "short": return .int16
    case "int8": return .int8
    case "uint8": return .uint8
    case "bool": return .bool
    default: return nil
    }
  }
}
