// Read access to a ZIP archive: entries by name from the central directory, their payloads read
// on demand (stored entries straight from the file into the caller's buffer; deflate entries through
// zlib), with sizes checked against the file before allocation. The CRC-32 of every entry whose
// bytes are handed out is checked (zlib's crc32) against the central directory, once per entry:
// a damaged download fails loudly instead of loading wrong weights.
import CZlib
import Foundation

public final class ZipArchive {
  public let source: RandomAccessBytes
  /// Entries in central-directory order.
  public let entries: [ZipEntry]
  private let indexByName: [String: Int]
  /// Entries whose CRC-32 has been checked (the whole record, so that two records pointing at
  /// the same bytes with different CRCs are both checked).
  private var verifiedEntries: Set<ZipEntry> = []

  public convenience init(url: URL) throws {
    try self.init(source: FileBytes(url: url))
  }

  public init(source: RandomAccessBytes) throws {
    self.source = source
    guard let location = try ZipCentralDirectory.locate(in: source) else {
      let scan = try ZipTruncationScan.scan(source, expectedEntrySize: { _ in nil })
      if scan.localHeaderCount > 0 {
        throw ArchiveError.truncatedZipArchive(
          file: source.name, presentBytes: source.count, expectedAtLeast: scan.minimumTotalSize,
          detail: scan.summary)
      }
      throw ArchiveError.notAZipArchive(file: source.name, reason: "no end-of-central-directory record")
    }
    entries = try ZipCentralDirectory.entries(of: location, in: source)
    var index: [String: Int] = [:]
    for (position, entry) in entries.enumerated() where index[entry.name] == nil {
      index[entry.name] = position
    }
    indexByName = index
  }

  public var name: String { source.name }

  public func entry(named name: String) -> ZipEntry? {
    indexByName[name].map { entries[$0] }
  }

  /// The entry named `name`, or an error listing what the archive holds.
  public func requireEntry(named name: String) throws -> ZipEntry {
    guard let entry = entry(named: name) else {
      throw ArchiveError.entryNotFound(file: source.name, name: name, available: entries.map(\.name))
    }
    return entry
  }

  /// Offset of the entry's payload, read from its local header.
  public func dataOffset(of entry: ZipEntry) throws -> Int {
    let header = try source.bytes(
      at: entry.localHeaderOffset, count: ZipLayout.localHeaderSize, context: "local header of '\(entry.name)'")
    guard littleEndianValue(header, at: 0, width: 4) == UInt64(ZipSignature.localHeader) else {
      throw ArchiveError.corruptZipArchive(
        file: source.name, reason: "no local header at offset \(entry.localHeaderOffset) for '\(entry.name)'")
    }
    let nameLength = Int(littleEndianValue(header, at: 26, width: 2))
    let extraLength = Int(littleEndianValue(header, at: 28, width: 2))
    let offset = entry.localHeaderOffset + ZipLayout.localHeaderSize + nameLength + extraLength
    try source.checkRange(offset: offset, count: entry.compressedSize, context: "entry '\(entry.name)'")
    return offset
  }

  /// Checks the method, encryption and declared sizes of an entry before its data is touched.
  public func validate(_ entry: ZipEntry) throws {
    if entry.isEncrypted { throw ArchiveError.encryptedEntry(file: source.name, entry: entry.name) }
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.uncompressedSize else {
        throw ArchiveError.implausibleEntrySize(
          file: source.name, entry: entry.name, size: entry.uncompressedSize,
          reason: "a stored entry of \(entry.compressedSize) bytes")
      }
    case 8:
      let (bound, overflow) = entry.compressedSize.multipliedReportingOverflow(by: ZipLayout.maxDeflateRatio)
      guard overflow || entry.uncompressedSize <= bound + 64 else {
        throw ArchiveError.implausibleEntrySize(
          file: source.name, entry: entry.name, size: entry.uncompressedSize,
          reason: "deflate cannot expand \(entry.compressedSize) bytes that far")
      }
    default:
      throw ArchiveError.unsupportedCompression(file: source.name, entry: entry.name, method: entry.method)
    }
  }

  /// For a stored entry, the byte range of its payload in the file (no copy needed); nil when compressed.
  /// The payload's CRC-32 is checked first unless `verifyCRC` is false.
  public func storedRange(of entry: ZipEntry, verifyCRC: Bool = true) throws -> Range<Int>? {
    try validate(entry)
    guard entry.isStored else { return nil }
    if verifyCRC { try verifyChecksum(of: entry) }
    let offset = try dataOffset(of: entry)
    return offset..<offset + entry.compressedSize
  }

  /// Checks the entry's CRC-32 against the central directory (streaming over the payload in
  /// bounded chunks, decompressing deflated ones); each entry is checked at most once.
  public func verifyChecksum(of entry: ZipEntry) throws {
    guard !verifiedEntries.contains(entry) else { return }
    try validate(entry)
    let offset = try dataOffset(of: entry)
    var crc: UInt32 = 0
    if entry.isStored {
      let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(max(entry.compressedSize, 1), 1 << 20), alignment: 16)
      defer { chunk.deallocate() }
      var done = 0
      while done < entry.compressedSize {
        let part = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<min(chunk.count, entry.compressedSize - done)])
        try source.read(at: offset + done, into: part)
        crc = ZipChecksum.crc32(UnsafeRawBufferPointer(part), continuing: crc)
        done += part.count
      }
    } else {
      try Inflater.inflateRaw(
        from: source, offset: offset, compressedSize: entry.compressedSize, expectedSize: entry.uncompressedSize,
        entry: entry.name
      ) { crc = ZipChecksum.crc32($0, continuing: crc) }
    }
    try check(crc, of: entry)
  }

  private func check(_ computed: UInt32, of entry: ZipEntry) throws {
    guard computed == entry.crc32 else {
      throw ArchiveError.checksumMismatch(file: source.name, entry: entry.name, expected: entry.crc32, actual: computed)
    }
    verifiedEntries.insert(entry)
  }

  /// Decompresses (or copies) the whole payload into `buffer`, whose size must equal `uncompressedSize`.
  public func read(_ entry: ZipEntry, into buffer: UnsafeMutableRawBufferPointer, verifyCRC: Bool = true) throws {
    try validate(entry)
    guard buffer.count == entry.uncompressedSize else {
      throw ArchiveError.implausibleEntrySize(
        file: source.name, entry: entry.name, size: entry.uncompressedSize,
        reason: "the caller's buffer holds \(buffer.count) bytes")
    }
    let offset = try dataOffset(of: entry)
    if entry.isStored {
      try source.read(at: offset, into: buffer)
    } else {
      var filled = 0
      try Inflater.inflateRaw(
        from: source, offset: offset, compressedSize: entry.compressedSize, expectedSize: buffer.count,
        entry: entry.name
      ) { chunk in
        UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + chunk.count]).copyMemory(from: chunk)
        filled += chunk.count
      }
    }
    if verifyCRC { try check(ZipChecksum.crc32(UnsafeRawBufferPointer(buffer)), of: entry) }
  }

  /// The whole payload as a new array. Stored payloads are allocated once their extent is checked
  /// against the file; deflated ones grow with the data actually decompressed, so a corrupt size
  /// field cannot reserve memory the archive does not fill.
  public func read(_ entry: ZipEntry, verifyCRC: Bool = true) throws -> [UInt8] {
    try validate(entry)
    let offset = try dataOffset(of: entry)  // checks the payload lies inside the file
    var bytes: [UInt8]
    if entry.isStored {
      bytes = try source.bytes(at: offset, count: entry.compressedSize, context: "entry '\(entry.name)'")
    } else {
      bytes = []
      bytes.reserveCapacity(min(entry.uncompressedSize, 4 * entry.compressedSize + 65536))
      try Inflater.inflateRaw(
        from: source, offset: offset, compressedSize: entry.compressedSize, expectedSize: entry.uncompressedSize,
        entry: entry.name
      ) { chunk in bytes.append(contentsOf: chunk) }
    }
    if verifyCRC { try check(bytes.withUnsafeBytes { ZipChecksum.crc32($0) }, of: entry) }
    return bytes
  }

  public func read(named name: String, verifyCRC: Bool = true) throws -> [UInt8] {
    try read(requireEntry(named: name), verifyCRC: verifyCRC)
  }

  /// Bytes `range` of the payload into `buffer`: stored entries are read in place (after their
  /// CRC-32 check), compressed ones are decompressed once into a temporary buffer.
  public func read(_ entry: ZipEntry, range: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
    try validate(entry)
    guard range.lowerBound >= 0, range.upperBound <= entry.uncompressedSize, buffer.count == range.count else {
      throw ArchiveError.unexpectedEnd(
        file: source.name, context: "entry '\(entry.name)'", offset: range.lowerBound, needed: range.count,
        available: max(0, entry.uncompressedSize - range.lowerBound))
    }
    if entry.isStored {
      try verifyChecksum(of: entry)
      try source.read(at: try dataOffset(of: entry) + range.lowerBound, into: buffer)
    } else {
      let whole = try read(entry)
      whole.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
  }

  /// The payload as random-access bytes: a window on the file for stored entries, decompressed
  /// memory otherwise; its CRC-32 checked either way.
  public func payload(of entry: ZipEntry) throws -> RandomAccessBytes {
    if let range = try storedRange(of: entry) {
      return SliceBytes(base: source, range: range, name: "\(source.name)[\(entry.name)]")
    }
    return MemoryBytes(try read(entry), name: "\(source.name)[\(entry.name)]")
  }
}

/// A window of another byte source (a stored ZIP entry), read without copying the rest.
public final class SliceBytes: RandomAccessBytes {
  public let base: RandomAccessBytes
  public let range: Range<Int>
  public let name: String
  public var count: Int { range.count }

  public init(base: RandomAccessBytes, range: Range<Int>, name: String) {
    self.base = base
    self.range = range
    self.name = name
  }

  public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
    try checkRange(offset: offset, count: buffer.count, context: "a read")
    try base.read(at: range.lowerBound + offset, into: buffer)
  }
}

public enum ZipChecksum {
  /// CRC-32 (the ZIP polynomial) via zlib, fed in chunks that fit its 32-bit length argument.
  public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing initial: UInt32 = 0) -> UInt32 {
    var crc = uLong(initial)
    guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return initial }
    var left = bytes.count
    while left > 0 {
      let step = min(left, 1 << 30)
      crc = CZlib.crc32(crc, pointer, uInt(step))
      pointer += step
      left -= step
    }
    return UInt32(truncatingIfNeeded: crc)
  }
}
