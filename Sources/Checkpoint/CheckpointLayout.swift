// Finds the weights inside a decoded checkpoint: nnU-Net v1 keeps them under 'state_dict', v2 under
// 'network_weights'; a bare state dict maps names straight to tensors. A 'module.' prefix on every
// key (DataParallel checkpoints) is stripped, as nnU-Net's own loader does.

struct StateDictionary {
  var layout: String
  /// (name, tensor node) in file order.
  var entries: [(name: String, tensor: TensorReference)]
  var skipped: [String]
}

enum CheckpointLayout {
  static let wrappers: [(key: String, layout: String)] = [
    ("state_dict", "nnU-Net v1 (state_dict)"),
    ("network_weights", "nnU-Net v2 (network_weights)"),
    ("model_state_dict", "model_state_dict"),
    ("model", "model"),
  ]

  static func select(_ document: PickleDocument, file: String) throws -> StateDictionary {
    guard let top = document.dictionary(document.root) else {
      throw CheckpointError.noStateDictionary(file: file, found: "the pickle holds \(kindName(document.root, document))")
    }
    for (key, layout) in wrappers {
      if let inner = top[key], let dictionary = document.dictionary(inner), containsTensor(dictionary, document) {
        return try collect(dictionary, document, layout: layout, file: file)
      }
    }
    if containsTensor(top, document) {
      return try collect(top, document, layout: "bare state dict", file: file)
    }
    guard !top.keys.isEmpty else {
      throw CheckpointError.noStateDictionary(file: file, found: "the top-level dict is empty: it has no keys")
    }
    let keys = top.keys.prefix(12).map { document.string($0).map { "'\($0)'" } ?? "?" }.joined(separator: ", ")
    let more = top.keys.count > 12 ? ", … (\(top.keys.count) in all)" : ""
    throw CheckpointError.noStateDictionary(file: file, found: "top-level keys: \(keys)\(more)")
  }

  static func containsTensor(_ dictionary: PickleDictionary, _ document: PickleDocument) -> Bool {
    dictionary.values.contains { if case .tensor = document.node($0) { return true } else { return false } }
  }

  static func collect(
    _ dictionary: PickleDictionary, _ document: PickleDocument, layout: String, file: String
  ) throws -> StateDictionary {
    var entries: [(String, TensorReference)] = []
    var skipped: [String] = []
    for (key, value) in zip(dictionary.keys, dictionary.values) {
      guard let name = document.string(key) else {
        throw CheckpointError.noStateDictionary(file: file, found: "a state dict with a non-string key")
      }
      if case .tensor(let tensor) = document.node(value) {
        entries.append((name, tensor))
      } else {
        skipped.append(name)
      }
    }
    let (names, stripped) = stripModulePrefix(entries.map(\.0))
    return StateDictionary(
      layout: stripped ? layout + ", 'module.' prefix stripped" : layout,
      entries: zip(names, entries).map { ($0, $1.1) }, skipped: skipped)
  }

  /// Removes a leading "module." when every name has it.
  static func stripModulePrefix(_ names: [String]) -> (names: [String], stripped: Bool) {
    guard !names.isEmpty, names.allSatisfy({ $0.hasPrefix("module.") }) else { return (names, false) }
    return (names.map { String($0.dropFirst("module.".count)) }, true)
  }

  static func kindName(_ value: PickleValue, _ document: PickleDocument) -> String {
    switch value {
    case .none: return "None"
    case .bool: return "a bool"
    case .int, .bigInt: return "an integer"
    case .float: return "a float"
    case .string: return "a string"
    case .bytes: return "bytes"
    case .global(let module, let name): return "the global \(module).\(name)"
    case .node:
      switch document.node(value) {
      case .tuple: return "a tuple"
      case .list: return "a list"
      case .dict: return "a dict"
      case .set: return "a set"
      case .object(let object): return "an object of \(object.callableName ?? "unknown type")"
      case .storage: return "a bare storage"
      case .tensor: return "a single tensor"
      case nil: return "nothing"
      }
    }
  }
}
