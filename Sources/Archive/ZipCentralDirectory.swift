// Locates and parses a ZIP archive's end-of-central-directory record (classic and ZIP64) and its
// central directory (APPNOTE.TXT §4.3). Every count and offset is checked against the file size
// before anything is allocated, so a corrupt or hostile archive throws instead of over-allocating.

struct ZipDirectoryLocation {
  var entryCount: Int
  var offset: Int
  var size: Int
  var endRecordOffset: Int
}

enum ZipCentralDirectory {
  /// Finds the end-of-central-directory record in the last 64 KiB + 22 bytes, then follows the
  /// ZIP64 locator when the classic record's fields are saturated or a locator is present.
  static func locate(in source: RandomAccessBytes) throws -> ZipDirectoryLocation? {
    let size = source.count
    guard size >= ZipLayout.endRecordSize else { return nil }
    let tailLength = min(size, ZipLayout.endRecordSize + ZipLayout.maxCommentLength)
    let tailStart = size - tailLength
    let tail = try source.bytes(at: tailStart, count: tailLength, context: "the archive's tail")
    var candidate = tailLength - ZipLayout.endRecordSize
    while candidate >= 0 {
      if littleEndianValue(tail, at: candidate, width: 4) == UInt64(ZipSignature.endOfCentralDirectory) {
        let commentLength = Int(littleEndianValue(tail, at: candidate + 20, width: 2))
        if candidate + ZipLayout.endRecordSize + commentLength == tailLength {
          return try parseEndRecord(tail, at: candidate, absoluteOffset: tailStart + candidate, source: source)
        }
      }
      candidate -= 1
    }
    return nil
  }

  private static func parseEndRecord(
    _ tail: [UInt8], at index: Int, absoluteOffset: Int, source: RandomAccessBytes
  ) throws -> ZipDirectoryLocation {
    var location = ZipDirectoryLocation(
      entryCount: Int(littleEndianValue(tail, at: index + 10, width: 2)),
      offset: Int(littleEndianValue(tail, at: index + 16, width: 4)),
      size: Int(littleEndianValue(tail, at: index + 12, width: 4)),
      endRecordOffset: absoluteOffset)
    let locatorOffset = absoluteOffset - ZipLayout.zip64LocatorSize
    if locatorOffset >= 0 {
      let locator = try source.bytes(at: locatorOffset, count: ZipLayout.zip64LocatorSize, context: "the ZIP64 locator")
      if littleEndianValue(locator, at: 0, width: 4) == UInt64(ZipSignature.zip64Locator) {
        let recordOffset = littleEndianValue(locator, at: 8, width: 8)
        guard recordOffset <= UInt64(locatorOffset) else {
          throw ArchiveError.corruptZipArchive(
            file: source.name, reason: "ZIP64 end record offset \(recordOffset) lies beyond its locator")
        }
        let record = try source.bytes(
          at: Int(recordOffset), count: ZipLayout.zip64EndRecordSize, context: "the ZIP64 end record")
        guard littleEndianValue(record, at: 0, width: 4) == UInt64(ZipSignature.zip64EndOfCentralDirectory) else {
          throw ArchiveError.corruptZipArchive(
            file: source.name, reason: "no ZIP64 end record at offset \(recordOffset) where the locator points")
        }
        location.entryCount = try checkedInt(littleEndianValue(record, at: 32, width: 8), "entry count", source)
        location.size = try checkedInt(littleEndianValue(record, at: 40, width: 8), "directory size", source)
        location.offset = try checkedInt(littleEndianValue(record, at: 48, width: 8), "directory offset", source)
        location.endRecordOffset = Int(recordOffset)
      }
    }
    guard location.offset <= location.endRecordOffset, location.size <= location.endRecordOffset - location.offset
    else {
      throw ArchiveError.corruptZipArchive(
        file: source.name,
        reason: "central directory (\(location.size) bytes at offset \(location.offset)) overlaps the end record at \(location.endRecordOffset)")
    }
    guard location.entryCount <= location.size / ZipLayout.centralDirectoryEntrySize else {
      throw ArchiveError.corruptZipArchive(
        file: source.name,
        reason: "\(location.entryCount) entries cannot fit in a \(location.size)-byte central directory")
    }
    return location
  }

  private static func checkedInt(_ value: UInt64, _ what: String, _ source: RandomAccessBytes) throws -> Int {
    guard value <= UInt64(source.count) else {
      throw ArchiveError.corruptZipArchive(file: source.name, reason: "ZIP64 \(what) \(value) exceeds the file size")
    }
    return Int(value)
  }

  /// Parses every central-directory record.
  static func entries(of location: ZipDirectoryLocation, in source: RandomAccessBytes) throws -> [ZipEntry] {
    let directory = try source.bytes(at: location.offset, count: location.size, context: "the central directory")
    var reader = ByteReader(directory) { position, needed in
      ArchiveError.corruptZipArchive(
        file: source.name, reason: "central directory ends inside a record (offset \(position), \(needed) bytes needed)")
    }
    var entries: [ZipEntry] = []
    entries.reserveCapacity(location.entryCount)
    for index in 0..<location.entryCount {
      guard try reader.u32() == ZipSignature.centralDirectory else {
        throw ArchiveError.corruptZipArchive(
          file: source.name, reason: "central directory record \(index) has a wrong signature")
      }
      try reader.skip(4)  // versions made by / needed
      let flags = try reader.u16()
      let method = Int(try reader.u16())
      try reader.skip(4)  // time, date
      let crc = try reader.u32()
      var compressed = UInt64(try reader.u32())
      var uncompressed = UInt64(try reader.u32())
      let nameLength = Int(try reader.u16())
      let extraLength = Int(try reader.u16())
      let commentLength = Int(try reader.u16())
      try reader.skip(8)  // disk start, internal and external attributes
      var localOffset = UInt64(try reader.u32())
      let name = String(decoding: try reader.take(nameLength), as: UTF8.self)
      let extra = Array(try reader.take(extraLength))
      try reader.skip(commentLength)
      try applyZip64Extra(
        extra, uncompressed: &uncompressed, compressed: &compressed, localOffset: &localOffset, entry: name,
        source: source)
      let limit = UInt64(source.count)
      guard compressed <= limit, localOffset <= limit else {
        throw ArchiveError.corruptZipArchive(
          file: source.name,
          reason: "entry '\(name)' claims \(compressed) bytes at offset \(localOffset), beyond the \(limit)-byte file")
      }
      guard uncompressed <= UInt64(Int.max) else {
        throw ArchiveError.implausibleEntrySize(
          file: source.name, entry: name, size: Int.max, reason: "larger than any addressable size")
      }
      entries.append(
        ZipEntry(
          name: name, method: method, flags: flags, crc32: crc, compressedSize: Int(compressed),
          uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset)))
    }
    return entries
  }

  /// Replaces saturated 32-bit fields by the 64-bit values of the ZIP64 extra field, in the order
  /// the format prescribes (uncompressed, compressed, local header offset).
  static func applyZip64Extra(
    _ extra: [UInt8], uncompressed: inout UInt64, compressed: inout UInt64, localOffset: inout UInt64,
    entry: String, source: RandomAccessBytes
  ) throws {
    let saturated: UInt64 = 0xFFFF_FFFF
    guard uncompressed == saturated || compressed == saturated || localOffset == saturated else { return }
    var position = 0
    while position + 4 <= extra.count {
      let id = UInt16(littleEndianValue(extra, at: position, width: 2))
      let length = Int(littleEndianValue(extra, at: position + 2, width: 2))
      let body = position + 4
      guard body + length <= extra.count else { break }
      if id == ZipLayout.zip64ExtraID {
        var cursor = body
        func next() throws -> UInt64 {
          guard cursor + 8 <= body + length else {
            throw ArchiveError.corruptZipArchive(
              file: source.name, reason: "entry '\(entry)' has a ZIP64 extra field that is too short")
          }
          defer { cursor += 8 }
          return littleEndianValue(extra, at: cursor, width: 8)
        }
        if uncompressed == saturated { uncompressed = try next() }
        if compressed == saturated { compressed = try next() }
        if localOffset == saturated { localOffset = try next() }
        return
      }
      position = body + length
    }
    throw ArchiveError.corruptZipArchive(
      file: source.name, reason: "entry '\(entry)' has saturated 32-bit sizes but no ZIP64 extra field")
  }
}
