// Step "NaNs are set to 0" of nnU-Net v1's preprocessing (STUNET.md §7 step 3), widened to every
// non-finite value: NaN, +Inf and -Inf become 0 and are counted so the run can report them.
import TensorCore

public enum NonFiniteValues {
  /// Replaces every NaN and ±infinity in `tensor` by 0 and returns how many were replaced.
  /// nnU-Net computes the crop box before this step (NaN counts as nonzero there), so call
  /// `CropBox.nonzeroBox(of:)` first to reproduce its box exactly.
  @discardableResult
  public static func replaceWithZero(in tensor: inout Tensor) -> Int {
    var replaced = 0
    tensor.data.withUnsafeMutableBufferPointer { values in
      for index in values.indices where !values[index].isFinite {
        values[index] = 0
        replaced += 1
      }
    }
    return replaced
  }

  /// The number of NaN and infinite values, without changing anything.
  public static func count(in tensor: Tensor) -> Int {
    tensor.data.withUnsafeBufferPointer { values in
      var found = 0
      for value in values where !value.isFinite { found += 1 }
      return found
    }
  }
}
