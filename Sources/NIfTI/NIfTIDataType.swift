// The NIfTI datatype codes (nifti1.h, shared by NIfTI-2): which ones hold one real number per
// voxel (and so can be read as a CT or written as a label map), and their sizes.

public enum NIfTIDataType: Int, Sendable, CaseIterable {
  case uint8 = 2
  case int16 = 4
  case int32 = 8
  case float32 = 16
  case float64 = 64
  case int8 = 256
  case uint16 = 512
  case uint32 = 768
  case int64 = 1024
  case uint64 = 1280

  /// Bytes per voxel.
  public var byteSize: Int {
    switch self {
    case .uint8, .int8: return 1
    case .int16, .uint16: return 2
    case .int32, .uint32, .float32: return 4
    case .float64, .int64, .uint64: return 8
    }
  }

  public var bitpix: Int { byteSize * 8 }

  public var name: String { String(describing: self) }

  /// The value range an integer type can hold exactly (nil for floating-point types).
  var integerRange: ClosedRange<Double>? {
    switch self {
    case .uint8: return 0...255
    case .int8: return -128...127
    case .int16: return -32768...32767
    case .uint16: return 0...65535
    case .int32: return -2_147_483_648...2_147_483_647
    case .uint32: return 0...4_294_967_295
    // Beyond 2^53 not every integer is a Double; floats never reach these bounds anyway.
    case .int64: return -9_223_372_036_854_775_808...9_223_372_036_854_774_784
    case .uint64: return 0...18_446_744_073_709_549_568
    case .float32, .float64: return nil
    }
  }

  /// Names of the standard codes this project rejects, for error messages.
  static func unsupportedName(code: Int) -> String {
    switch code {
    case 0: return "unknown"
    case 1: return "binary (1 bit)"
    case 32: return "complex64"
    case 128: return "RGB24"
    case 1536: return "float128"
    case 1792: return "complex128"
    case 2048: return "complex256"
    case 2304: return "RGBA32"
    default: return "non-standard"
    }
  }
}
