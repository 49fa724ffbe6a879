// IEEE 754 binary16 <-> binary32 conversion by bit manipulation (subnormals, infinities and NaN
// included; float -> half rounds to nearest, ties to even), and float -> bfloat16 with the same rounding.

public enum HalfPrecision {
  public static func float(fromHalf bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      // Zero or subnormal: value = mantissa * 2^-24.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign != 0 ? -magnitude : magnitude
    case 31:
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
      return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
  }

  public static func half(fromFloat value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF {
      return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 31 { return sign | 0x7C00 }
    if halfExponent <= 0 {
      // Subnormal half (or zero): shift the full significand into place with rounding.
      if halfExponent < -10 { return sign }
      let significand = mantissa | 0x80_0000
      let shift = UInt32(14 - halfExponent)
      return sign | UInt16(roundShift(significand, by: shift))
    }
    let rounded = roundShift(mantissa | (UInt32(halfExponent) << 23), by: 13)
    // A carry out of the mantissa correctly bumps the exponent (and overflows to infinity at the top).
    return sign | UInt16(min(rounded, 0x7C00))
  }

  public static func bfloat16(fromFloat value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(bits >> 16) | 0x40 }
    return UInt16(truncatingIfNeeded: roundShift(bits, by: 16))
  }

  /// `value >> shift`, rounded to nearest with ties to even.
  @inline(__always)
  static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let truncated = value >> shift
    let remainder = value & ((1 << shift) - 1)
    let half: UInt32 = 1 << (shift - 1)
    if remainder > half || (remainder == half && truncated & 1 == 1) { return truncated + 1 }
    return truncated
  }
}
