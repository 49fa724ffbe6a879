// The facts of ../shared/golden/stunet_tiny_meta.json that the golden AOT test checks against
// (class count, logits shape), read with a clear error when a field is missing.
import Foundation

struct GoldenMeta {
  let classes: Int
  let logitsShape: [Int]

  init(url: URL) throws {
    let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url))
    guard let fields = object as? [String: Any], let classes = fields["num_classes"] as? Int,
      let shape = fields["logits_shape"] as? [Int]
    else {
      throw GoldenMetaError(path: url.path)
    }
    self.classes = classes
    logitsShape = shape
  }
}

struct GoldenMetaError: Error, CustomStringConvertible {
  let path: String
  var description: String { "\(path) lacks num_classes (integer) or logits_shape (list of integers)" }
}
