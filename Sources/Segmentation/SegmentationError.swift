// Typed errors of the segmentation pipeline's numeric steps: each names what was wrong, where,
// and what the caller can do about it.

public enum SegmentationError: Error, CustomStringConvertible, Equatable {
  /// A tensor did not have the rank a step needs (e.g. a 3-D volume or a [C, D, H, W] map).
  case wrongRank(step: String, expected: String, actual: [Int])
  /// Two shapes that must agree did not.
  case shapeMismatch(step: String, expected: [Int], actual: [Int])
  /// A spacing value was zero, negative, NaN or infinite.
  case invalidSpacing(step: String, spacing: [Double])
  /// A computed or requested shape had an empty or negative extent.
  case emptyShape(step: String, shape: [Int])
  /// A parameter outside its valid range.
  case invalidParameter(step: String, name: String, value: String, expected: String)
  /// A tile or box that does not fit inside the volume it refers to.
  case outOfBounds(step: String, detail: String)
  /// Steps called in an order the object does not allow.
  case outOfOrder(step: String, detail: String)

  public var description: String {
    switch self {
    case .wrongRank(let step, let expected, let actual):
      return "\(step): expected \(expected), got a tensor of shape \(actual)"
    case .shapeMismatch(let step, let expected, let actual):
      return "\(step): expected shape \(expected), got \(actual)"
    case .invalidSpacing(let step, let spacing):
      return "\(step): spacing \(spacing) must be finite and positive on every axis; check the image header's pixdim"
    case .emptyShape(let step, let shape):
      return "\(step): shape \(shape) has an empty axis; the volume is too small for this spacing"
    case .invalidParameter(let step, let name, let value, let expected):
      return "\(step): \(name) = \(value) is invalid; expected \(expected)"
    case .outOfBounds(let step, let detail):
      return "\(step): \(detail)"
    case .outOfOrder(let step, let detail):
      return "\(step): \(detail)"
    }
  }
}
