// FNV-1a, 64 bits: the checksum of the weights blob and the model fingerprint of AOT bundles.
// Not cryptographic; it catches a weights.bin from another model or a damaged copy.

public struct FNV1a: Sendable {
  public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
  public static let prime: UInt64 = 0x0000_0100_0000_01b3

  public private(set) var value: UInt64 = FNV1a.offsetBasis

  public init() {}

  public mutating func add(_ bytes: UnsafeRawBufferPointer) {
    var hash = value
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* FNV1a.prime
    }
    value = hash
  }

  public mutating func add(_ text: String) {
    var copy = text
    copy.withUTF8 { add(UnsafeRawBufferPointer($0)) }
  }

  /// The value as 16 lower-case hex digits.
  public var hex: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }

  public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hasher = FNV1a()
    hasher.add(bytes)
    return hasher.value
  }
}
