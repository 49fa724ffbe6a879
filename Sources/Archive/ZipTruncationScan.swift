// Explains a ZIP archive that has lost its end: walks the local file headers from the start of the
// file, finds where each entry's data ends (from the header sizes, a validated data descriptor, or a
// size the caller knows from elsewhere, e.g. a checkpoint's own pickle), and derives a lower bound
// on the complete file's size (entries + central directory + end record), so the error can say
// "N of at least M bytes" instead of a raw parser failure. Central-directory records that are
// present count with their real sizes (names, extra fields, comments), missing ones with the least
// they can take; and since the file is known to be incomplete, the bound is always above the bytes
// present.

public struct ScannedZipEntry: Equatable, Sendable {
  public var name: String
  public var method: Int
  /// The payload's byte range, when its end is known.
  public var dataRange: Range<Int>?
  /// The whole payload (and its descriptor, if any) lies inside the file.
  public var isComplete: Bool
}

public struct ZipTruncationScan: Sendable {
  public var presentBytes: Int
  public var entries: [ScannedZipEntry]
  public var localHeaderCount: Int { entries.count }
  /// Name of the entry the file ends inside, if any.
  public var cutEntry: String?
  /// A lower bound on the size of the complete archive; nil when no local header was found.
  public var minimumTotalSize: Int?
  /// Whether a central-directory record was found after the entries.
  public var foundCentralDirectory: Bool

  public var summary: String {
    var parts: [String] = []
    if let cutEntry {
      parts.append(cutEntry.hasPrefix("(") ? "the file ends inside \(cutEntry.dropFirst().dropLast())" : "the file ends inside entry '\(cutEntry)'")
    } else {
      parts.append("the file ends after \(entries.count) complete entries")
    }
    parts.append(
      foundCentralDirectory
        ? "the central directory is incomplete" : "the end-of-central-directory record is missing")
    return parts.joined(separator: "; ")
  }

  /// Scans `source` from offset 0. `expectedEntrySize` may give the payload size of an entry whose
  /// local header defers its size to a data descriptor (ZIP flag bit 3, as PyTorch writes).
  public static func scan(
    _ source: RandomAccessBytes, expectedEntrySize: (String) -> Int?
  ) throws -> ZipTruncationScan {
    let size = source.count
    var result = ZipTruncationScan(
      presentBytes: size, entries: [], cutEntry: nil, minimumTotalSize: nil, foundCentralDirectory: false)
    var position = 0
    var knownEnd = 0
    // Least size of each entry's central-directory record (fixed part and name).
    var directoryRecordBytes: [Int] = []
    let maxEntries = 1 << 20
    while position + 4 <= size, result.entries.count < maxEntries {
      let signature = try u32(source, position)
      if signature == ZipSignature.centralDirectory { result.foundCentralDirectory = true }
      guard signature == ZipSignature.localHeader else { break }
      guard position + ZipLayout.localHeaderSize <= size else {
        knownEnd = position + ZipLayout.localHeaderSize
        result.cutEntry = "(the local header at byte \(position))"
        result.entries.append(ScannedZipEntry(name: result.cutEntry ?? "", method: 0, dataRange: nil, isComplete: false))
        directoryRecordBytes.append(ZipLayout.centralDirectoryEntrySize)
        break
      }
      let header = try source.bytes(at: position, count: ZipLayout.localHeaderSize, context: "a local header")
      let flags = UInt16(littleEndianValue(header, at: 6, width: 2))
      let method = Int(littleEndianValue(header, at: 8, width: 2))
      var compressed = littleEndianValue(header, at: 18, width: 4)
      var uncompressed = littleEndianValue(header, at: 22, width: 4)
      let nameLength = Int(littleEndianValue(header, at: 26, width: 2))
      let extraLength = Int(littleEndianValue(header, at: 28, width: 2))
      let headerEnd = position + ZipLayout.localHeaderSize + nameLength + extraLength
      guard headerEnd <= size else {
        knownEnd = headerEnd
        result.cutEntry = "(the local header at byte \(position))"
        result.entries.append(ScannedZipEntry(name: result.cutEntry ?? "", method: method, dataRange: nil, isComplete: false))
        directoryRecordBytes.append(ZipLayout.centralDirectoryEntrySize + nameLength)
        break
      }
      let name = String(
        decoding: try source.bytes(at: position + ZipLayout.localHeaderSize, count: nameLength, context: "a name"),
        as: UTF8.self)
      directoryRecordBytes.append(ZipLayout.centralDirectoryEntrySize + nameLength)
      var entry = ScannedZipEntry(name: name, method: method, dataRange: nil, isComplete: false)
      var next: Int?
      if flags & 8 == 0 {
        let extra = try source.bytes(at: headerEnd - extraLength, count: extraLength, context: "an extra field")
        var offset: UInt64 = 0
        try? ZipCentralDirectory.applyZip64Extra(
          extra, uncompressed: &uncompressed, compressed: &compressed, localOffset: &offset, entry: name,
          source: source)
        if compressed < UInt64(Int.max / 2) { next = headerEnd + Int(compressed) }
        if let end = next { entry.dataRange = headerEnd..<end }
      } else if let descriptor = try findDescriptor(source, dataStart: headerEnd) {
        entry.dataRange = headerEnd..<descriptor.dataEnd
        next = descriptor.next
      } else if method == 0, let expected = expectedEntrySize(name), expected >= 0, expected < Int.max / 2 {
        entry.dataRange = headerEnd..<headerEnd + expected
        next = headerEnd + expected + 16
      }
      guard let end = next, end <= size else {
        knownEnd = next ?? (size + 16)
        result.cutEntry = name
        result.entries.append(entry)
        break
      }
      entry.isComplete = true
      result.entries.append(entry)
      knownEnd = end
      position = end
    }
    if !result.entries.isEmpty {
      var directoryEnd = max(knownEnd, position)
      var recordsPresent = 0
      if result.foundCentralDirectory {
        (directoryEnd, recordsPresent) = try walkDirectory(source, from: position, limit: result.entries.count)
      }
      if recordsPresent == result.entries.count {
        directoryEnd = try skipZip64EndRecords(source, at: directoryEnd)
      }
      let missing = directoryRecordBytes.dropFirst(recordsPresent).reduce(0, +)
      // Every count here is bounded by the file size and 2^16 per field, so the sum cannot overflow.
      let bound = directoryEnd + missing + ZipLayout.endRecordSize
      result.minimumTotalSize = max(bound, size + 1)
    }
    return result
  }

  /// Past a ZIP64 end record (its declared size when readable) and the locator that must follow
  /// it, when the end record starts at `position`; else `position`.
  private static func skipZip64EndRecords(_ source: RandomAccessBytes, at position: Int) throws -> Int {
    guard position + 4 <= source.count, try u32(source, position) == ZipSignature.zip64EndOfCentralDirectory else {
      return position
    }
    var recordSize = ZipLayout.zip64EndRecordSize
    if position + 12 <= source.count {
      let declared = littleEndianValue(try source.bytes(at: position + 4, count: 8, context: "a ZIP64 end record"), at: 0, width: 8)
      if declared >= 44, declared <= 65536 { recordSize = 12 + Int(declared) }
    }
    return position + recordSize + ZipLayout.zip64LocatorSize
  }

  /// Walks the central-directory records present from `start` (at most `limit`); returns where
  /// the last one seen ends (possibly past the end of the file) and how many were seen.
  private static func walkDirectory(
    _ source: RandomAccessBytes, from start: Int, limit: Int
  ) throws -> (end: Int, records: Int) {
    var position = start
    var records = 0
    while records < limit, position + 4 <= source.count, try u32(source, position) == ZipSignature.centralDirectory {
      records += 1
      guard position + ZipLayout.centralDirectoryEntrySize <= source.count else {
        return (position + ZipLayout.centralDirectoryEntrySize, records)
      }
      let header = try source.bytes(at: position, count: ZipLayout.centralDirectoryEntrySize, context: "a central-directory record")
      // Name, extra field and comment lengths.
      let variable = [28, 30, 32].map { Int(littleEndianValue(header, at: $0, width: 2)) }.reduce(0, +)
      position += ZipLayout.centralDirectoryEntrySize + variable
    }
    return (position, records)
  }

  private static func u32(_ source: RandomAccessBytes, _ offset: Int) throws -> UInt32 {
    UInt32(littleEndianValue(try source.bytes(at: offset, count: 4, context: "a signature"), at: 0, width: 4))
  }

  /// Searches forward for a data descriptor whose recorded compressed size matches its distance
  /// from `dataStart` (32-bit or ZIP64 form); reads the file in bounded chunks.
  private static func findDescriptor(
    _ source: RandomAccessBytes, dataStart: Int
  ) throws -> (dataEnd: Int, next: Int)? {
    let chunkSize = 1 << 20
    var chunkStart = dataStart
    while chunkStart + 4 <= source.count {
      let length = min(chunkSize + 24, source.count - chunkStart)
      let chunk = try source.bytes(at: chunkStart, count: length, context: "a data descriptor search")
      var index = 0
      while index + 4 <= min(length, chunkSize + 3) {
        if chunk[index] == 0x50, chunk[index + 1] == 0x4B, chunk[index + 2] == 0x07, chunk[index + 3] == 0x08 {
          let at = chunkStart + index
          let distance = UInt64(at - dataStart)
          if index + 12 <= length, littleEndianValue(chunk, at: index + 8, width: 4) == distance {
            return (at, at + 16)
          }
          if index + 16 <= length, littleEndianValue(chunk, at: index + 8, width: 8) == distance {
            return (at, at + 24)
          }
        }
        index += 1
      }
      chunkStart += chunkSize
    }
    return nil
  }
}
