// The layout of an AOT bundle's weights.bin: a small header, then every packed weight of the
// model in one blob that starts on a 64-byte boundary, so that the file can be memory-mapped and
// the blob handed to `stunet_model_run` as is. All integers little-endian.
//
//   offset  size  field
//   0       8     magic "STUNETWB"
//   8       4     format version (1)
//   12      4     alignment of the blob in the file and in memory (64)
//   16      8     header bytes = offset of the blob (a multiple of the alignment)
//   24      8     blob bytes
//   32      8     FNV-1a 64 checksum of the blob
//   40      16    model fingerprint, 16 ASCII hex digits (the model's stunet_model_describe()->fingerprint)
//   56      4     entry count
//   60      4     zero
//   64      ...   entries: offset in the blob (8), bytes (8), name length (4), name (UTF-8, no terminator)
//   ...           zeros up to the header size
//
// Entries name each packed weight (the checkpoint key) and where it lies; they are for inspection
// only, the model's code has the offsets built in.

public struct WeightsFileHeader: Equatable, Sendable {
  public struct Entry: Equatable, Sendable {
    public var name: String
    public var offset: Int
    public var byteCount: Int

    public init(name: String, offset: Int, byteCount: Int) {
      self.name = name
      self.offset = offset
      self.byteCount = byteCount
    }
  }

  public static let magic: [UInt8] = Array("STUNETWB".utf8)
  public static let version: UInt32 = 1
  public static let fixedBytes = 64

  public var alignment: Int
  public var blobBytes: Int
  public var checksum: UInt64
  public var fingerprint: String
  public var entries: [Entry]

  public init(alignment: Int = 64, blobBytes: Int, checksum: UInt64, fingerprint: String, entries: [Entry]) {
    self.alignment = alignment
    self.blobBytes = blobBytes
    self.checksum = checksum
    self.fingerprint = fingerprint
    self.entries = entries
  }

  /// Header size: the fixed part and the entries, rounded up to the alignment.
  public var headerBytes: Int {
    let raw = WeightsFileHeader.fixedBytes + entries.reduce(0) { $0 + 20 + $1.name.utf8.count }
    return (raw + alignment - 1) / alignment * alignment
  }

  /// The header's bytes (exactly `headerBytes` of them).
  public func encoded() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(headerBytes)
    bytes += WeightsFileHeader.magic
    append(UInt32(WeightsFileHeader.version), to: &bytes)
    append(UInt32(alignment), to: &bytes)
    append(UInt64(headerBytes), to: &bytes)
    append(UInt64(blobBytes), to: &bytes)
    append(checksum, to: &bytes)
    var print = Array(fingerprint.utf8.prefix(16))
    print += [UInt8](repeating: UInt8(ascii: "0"), count: 16 - print.count)
    bytes += print
    append(UInt32(entries.count), to: &bytes)
    append(UInt32(0), to: &bytes)
    for entry in entries {
      append(UInt64(entry.offset), to: &bytes)
      append(UInt64(entry.byteCount), to: &bytes)
      let name = Array(entry.name.utf8)
      append(UInt32(name.count), to: &bytes)
      bytes += name
    }
    bytes += [UInt8](repeating: 0, count: headerBytes - bytes.count)
    return bytes
  }

  private func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }

  /// Reads a header from the start of a file of `fileBytes` bytes; `source` names the file in errors.
  public static func decode(_ bytes: UnsafeRawBufferPointer, fileBytes: Int, source: String) throws -> WeightsFileHeader {
    func fail(_ reason: String) -> AOTRuntimeError { .malformedWeights(path: source, reason: reason) }
    var reader = LittleEndianReader(bytes: bytes, source: source)
    guard bytes.count >= fixedBytes else { throw fail("it has \(bytes.count) bytes, fewer than the 64-byte header") }
    guard Array(bytes[0..<8]) == magic else { throw fail("it does not start with \"STUNETWB\"") }
    reader.position = 8
    let version = try reader.uInt32()
    guard version == WeightsFileHeader.version else {
      throw fail("format version \(version), this runtime reads version \(WeightsFileHeader.version)")
    }
    let alignment = Int(try reader.uInt32())
    guard alignment >= 16, alignment <= 4096, alignment & (alignment - 1) == 0 else {
      throw fail("alignment \(alignment) is not a power of two in 16...4096")
    }
    let headerBytes = try reader.size(limit: fileBytes, what: "header size")
    let blobBytes = try reader.size(limit: fileBytes, what: "blob size")
    let checksum = try reader.uInt64()
    let fingerprint = String(decoding: bytes[40..<56], as: UTF8.self)
    reader.position = 56
    let entryCount = Int(try reader.uInt32())
    guard headerBytes % alignment == 0, headerBytes >= fixedBytes, headerBytes <= bytes.count else {
      throw fail("header size \(headerBytes) is not a multiple of \(alignment) within the file")
    }
    guard headerBytes <= fileBytes - blobBytes, headerBytes + blobBytes == fileBytes else {
      throw fail("header (\(headerBytes) bytes) and blob (\(blobBytes) bytes) do not add up to the file size \(fileBytes)")
    }
    reader.position = fixedBytes
    var entries: [Entry] = []
    for index in 0..<entryCount {
      let offset = try reader.size(limit: blobBytes, what: "offset of entry \(index)")
      let count = try reader.size(limit: blobBytes - offset, what: "size of entry \(index)")
      let nameLength = Int(try reader.uInt32())
      guard nameLength <= headerBytes - reader.position else { throw fail("entry \(index) runs past the header") }
      let name = String(decoding: bytes[reader.position..<reader.position + nameLength], as: UTF8.self)
      reader.position += nameLength
      entries.append(Entry(name: name, offset: offset, byteCount: count))
    }
    guard reader.position <= headerBytes else { throw fail("the entries run past the header") }
    return WeightsFileHeader(
      alignment: alignment, blobBytes: blobBytes, checksum: checksum, fingerprint: fingerprint, entries: entries)
  }
}

/// Sequential little-endian reads with bounds checks.
struct LittleEndianReader {
  let bytes: UnsafeRawBufferPointer
  let source: String
  var position = 0

  mutating func uInt32() throws -> UInt32 {
    guard position <= bytes.count - 4 else { throw AOTRuntimeError.malformedWeights(path: source, reason: "the header is cut short") }
    var value: UInt32 = 0
    for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * UInt32(index)) }
    position += 4
    return value
  }

  mutating func uInt64() throws -> UInt64 {
    let low = UInt64(try uInt32())
    let high = UInt64(try uInt32())
    return low | high << 32
  }

  /// A UInt64 that must be a size in 0...limit.
  mutating func size(limit: Int, what: String) throws -> Int {
    let value = try uInt64()
    guard value <= UInt64(max(limit, 0)) else {
      throw AOTRuntimeError.malformedWeights(path: source, reason: "\(what) \(value) exceeds \(limit)")
    }
    return Int(value)
  }
}
