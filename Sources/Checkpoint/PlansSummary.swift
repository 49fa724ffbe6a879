// What an nnU-Net plans pickle holds when it cannot configure a model: a dataset-level plans.pkl
// (num_classes, num_modalities, normalization_schemes, ...) without plans_per_stage, so without
// strides, patch size and spacing. `stunetc inspect` shows this instead of failing on a valid file.
import Foundation

public struct PlansSummary: Sendable {
  public let source: String
  /// Scalar and short entries of the top-level dictionary, as text, in file order.
  public let entries: [(key: String, value: String)]
  /// Every top-level key.
  public let keys: [String]

  /// Reads `url`; nil when it is not a pickled dictionary.
  public static func load(_ url: URL) throws -> PlansSummary? {
    let document = try NNUNetPlans.loadDocument(url)
    let root = document.value("plans", in: document.root) ?? document.root
    guard let dictionary = document.dictionary(root) else { return nil }
    var entries: [(key: String, value: String)] = []
    var keys: [String] = []
    for (key, value) in dictionary.entries {
      guard let name = document.string(key) else { continue }
      keys.append(name)
      if let text = Self.text(value, in: document) { entries.append((name, text)) }
    }
    return PlansSummary(source: url.path, entries: entries, keys: keys)
  }

  /// Ints, floats, strings and small dictionaries or lists of them; nil for anything larger.
  static func text(_ value: PickleValue, in document: PickleDocument, depth: Int = 0) -> String? {
    if case .bool(let flag) = value { return flag ? "True" : "False" }
    if let string = document.string(value) { return "'\(string)'" }
    if let int = document.int(value) { return String(int) }
    if let double = document.double(value) { return String(double) }
    if case .none = value { return "None" }
    guard depth == 0 else { return nil }
    if let dictionary = document.dictionary(value), dictionary.count <= 8 {
      let parts = dictionary.entries.compactMap { entry -> String? in
        guard let key = text(entry.key, in: document, depth: 1), let item = text(entry.value, in: document, depth: 1) else { return nil }
        return "\(key): \(item)"
      }
      return parts.count == dictionary.count ? "{" + parts.joined(separator: ", ") + "}" : nil
    }
    if let items = document.items(value), items.count <= 8 {
      let parts = items.compactMap { text($0, in: document, depth: 1) }
      return parts.count == items.count ? "[" + parts.joined(separator: ", ") + "]" : nil
    }
    return nil
  }
}
