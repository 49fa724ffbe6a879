// Builds small NIfTI files byte by byte for tests, independently of the production code: the field
// offsets below are typed in from the NIfTI-1 / NIfTI-2 standards, so a wrong offset in the reader
// would disagree with them. Also builds gzip members with stored (uncompressed) deflate blocks and a
// CRC-32 computed here, to test multi-member and damaged gzip input without zlib.

struct SyntheticNIfTI {
  var version = 1
  var bigEndian = false
  var dim: [Int] = [3, 4, 3, 2, 1, 1, 1, 1]
  var datatype = 4
  var bitpix = 16
  var pixdim: [Double] = [1, 1.5, 2, 3, 1, 1, 1, 1]
  var voxOffset: Double? = nil  // nil: header size + 4
  var sclSlope: Double = 1
  var sclInter: Double = 0
  var qformCode = 0
  var sformCode = 1
  var quaternion: [Double] = [0, 0, 0, 0, 0, 0]
  var sform: [[Double]] = [[1.5, 0, 0, 10], [0, 2, 0, 20], [0, 0, 3, 30]]
  var magic: [UInt8]? = nil
  /// Stored voxel bytes, already in the file's byte order.
  var data: [UInt8] = []
  /// Extra bytes between the header and the data (extensions), included before vox_offset.
  var extensionBytes: [UInt8] = [0, 0, 0, 0]

  var headerSize: Int { version == 1 ? 348 : 540 }

  func bytes() -> [UInt8] {
    var out = [UInt8](repeating: 0, count: headerSize)
    func put(_ value: UInt64, _ width: Int, _ offset: Int) {
      for index in 0..<width {
        let shift = bigEndian ? (width - 1 - index) * 8 : index * 8
        out[offset + index] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
      }
    }
    func i16(_ v: Int, _ o: Int) { put(UInt64(UInt16(truncatingIfNeeded: v)), 2, o) }
    func i32(_ v: Int, _ o: Int) { put(UInt64(UInt32(truncatingIfNeeded: v)), 4, o) }
    func i64(_ v: Int, _ o: Int) { put(UInt64(bitPattern: Int64(v)), 8, o) }
    func f32(_ v: Double, _ o: Int) { put(UInt64(Float(v).bitPattern), 4, o) }
    func f64(_ v: Double, _ o: Int) { put(v.bitPattern, 8, o) }
    let offset = voxOffset ?? Double(headerSize + extensionBytes.count)
    if version == 1 {
      i32(348, 0)
      for index in 0..<8 { i16(dim[index], 40 + 2 * index) }
      i16(datatype, 70)
      i16(bitpix, 72)
      for index in 0..<8 { f32(pixdim[index], 76 + 4 * index) }
      f32(offset, 108)
      f32(sclSlope, 112)
      f32(sclInter, 116)
      out[123] = 10
      i16(qformCode, 252)
      i16(sformCode, 254)
      for index in 0..<6 { f32(quaternion[index], 256 + 4 * index) }
      for row in 0..<3 { for column in 0..<4 { f32(sform[row][column], 280 + 16 * row + 4 * column) } }
      for (index, byte) in (magic ?? [0x6E, 0x2B, 0x31, 0]).enumerated() { out[344 + index] = byte }
    } else {
      i32(540, 0)
      for (index, byte) in (magic ?? [0x6E, 0x2B, 0x32, 0, 0x0D, 0x0A, 0x1A, 0x0A]).enumerated() { out[4 + index] = byte }
      i16(datatype, 12)
      i16(bitpix, 14)
      for index in 0..<8 { i64(dim[index], 16 + 8 * index) }
      for index in 0..<8 { f64(pixdim[index], 104 + 8 * index) }
      i64(Int(offset), 168)
      f64(sclSlope, 176)
      f64(sclInter, 184)
      i32(qformCode, 344)
      i32(sformCode, 348)
      for index in 0..<6 { f64(quaternion[index], 352 + 8 * index) }
      for row in 0..<3 { for column in 0..<4 { f64(sform[row][column], 400 + 32 * row + 8 * column) } }
      i32(10, 500)
    }
    return out + extensionBytes + data
  }

  /// Encodes integers or reals as `width`-byte words in this file's byte order.
  func words(_ values: [UInt64], width: Int) -> [UInt8] {
    var out: [UInt8] = []
    for value in values {
      for index in 0..<width {
        let shift = bigEndian ? (width - 1 - index) * 8 : index * 8
        out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
      }
    }
    return out
  }
}

enum StoredGzip {
  /// One gzip member holding `payload` in stored deflate blocks (at most 65535 bytes each).
  static func member(_ payload: [UInt8], corruptCRC: Bool = false) -> [UInt8] {
    var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
    var offset = 0
    repeat {
      let length = min(65535, payload.count - offset)
      let final: UInt8 = offset + length == payload.count ? 1 : 0
      out.append(final)
      out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
      out += payload[offset..<(offset + length)]
      offset += length
    } while offset < payload.count
    let crc = crc32(payload) ^ (corruptCRC ? 1 : 0)
    out += littleEndian32(crc) + littleEndian32(UInt32(truncatingIfNeeded: payload.count))
    return out
  }

  static func littleEndian32(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  /// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}
