// The spline orders nnU-Net v1 uses when it resamples: 0 (nearest, for the coarse axis of
// anisotropic data), 1 (linear, for probabilities and label masks) and 3 (cubic B-spline, images).

public enum InterpolationOrder: Int, Sendable, CaseIterable {
  case nearest = 0
  case linear = 1
  case cubic = 3

  /// Number of source samples one output sample reads along an axis.
  var taps: Int {
    switch self {
    case .nearest: return 1
    case .linear: return 2
    case .cubic: return 4
    }
  }
}
