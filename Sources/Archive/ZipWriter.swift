// Writes a ZIP archive sequentially into an atomic file: each entry is streamed (stored, or raw
// deflate through zlib) while its CRC-32 and sizes are computed, then its local header is patched.
// ZIP64 records are used when an entry may exceed 4 GiB, an offset does, or the caller asks.
import CZlib
import Foundation

public final class ZipWriter {
  private struct Written {
    var name: [UInt8]
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
    var usesZip64: Bool
  }

  private let file: AtomicFileWriter
  private let forceZip64: Bool
  private var written: [Written] = []
  private static let saturated = 0xFFFF_FFFF
  /// Entries expected to reach this size get ZIP64 headers up front (deflate may expand data slightly).
  private static let zip64Threshold = 0xF000_0000

  public init(url: URL, forceZip64: Bool = false) throws {
    file = try AtomicFileWriter(destination: url)
    self.forceZip64 = forceZip64
  }

  /// Adds an entry whose bytes `body` writes into the given sink; `expectedSize` is a hint of the
  /// uncompressed size used to decide on ZIP64 headers.
  public func addEntry(
    name: String, compressed: Bool, expectedSize: Int, body: (ByteSink) throws -> Void
  ) throws {
    let nameBytes = Array(name.utf8)
    let localOffset = file.offset
    let zip64 = forceZip64 || expectedSize >= Self.zip64Threshold || localOffset >= Self.zip64Threshold
    let method: UInt16 = compressed ? 8 : 0
    try file.write(localHeader(name: nameBytes, method: method, crc: 0, compressed: 0, uncompressed: 0, zip64: zip64))
    let sink = try EntrySink(file: file, deflate: compressed, name: name)
    try body(sink)
    try sink.finish()
    if !zip64, sink.compressedSize >= Self.saturated || sink.uncompressedSize >= Self.saturated {
      throw ArchiveError.writeFailed(
        file: file.destination.path, reason: "entry '\(name)' outgrew its size hint of \(expectedSize) bytes")
    }
    try file.patch(
      at: localOffset,
      with: localHeader(
        name: nameBytes, method: method, crc: sink.crc, compressed: sink.compressedSize,
        uncompressed: sink.uncompressedSize, zip64: zip64))
    written.append(
      Written(
        name: nameBytes, method: method, crc: sink.crc, compressedSize: sink.compressedSize,
        uncompressedSize: sink.uncompressedSize, localHeaderOffset: localOffset, usesZip64: zip64))
  }

  public func addEntry(name: String, bytes: [UInt8], compressed: Bool = false) throws {
    try addEntry(name: name, compressed: compressed, expectedSize: bytes.count) { try $0.write(bytes) }
  }

  /// Writes the central directory and end records and renames the file into place.
  public func finish() throws {
    let directoryOffset = file.offset
    for entry in written {
      try file.write(centralRecord(entry))
    }
    let directorySize = file.offset - directoryOffset
    let needsZip64 =
      forceZip64 || written.contains(where: \.usesZip64) || written.count >= 0xFFFF
      || directoryOffset >= Self.saturated || directorySize >= Self.saturated
    if needsZip64 {
      let recordOffset = file.offset
      var record = LittleEndianBytes()
      record.u32(ZipSignature.zip64EndOfCentralDirectory)
      record.u64(UInt64(ZipLayout.zip64EndRecordSize - 12))
      record.u16(45)
      record.u16(45)
      record.u32(0)
      record.u32(0)
      record.u64(UInt64(written.count))
      record.u64(UInt64(written.count))
      record.u64(UInt64(directorySize))
      record.u64(UInt64(directoryOffset))
      record.u32(ZipSignature.zip64Locator)
      record.u32(0)
      record.u64(UInt64(recordOffset))
      record.u32(1)
      try file.write(record.bytes)
    }
    var end = LittleEndianBytes()
    end.u32(ZipSignature.endOfCentralDirectory)
    end.u16(0)
    end.u16(0)
    end.u16(UInt16(min(written.count, 0xFFFF)))
    end.u16(UInt16(min(written.count, 0xFFFF)))
    end.u32(UInt32(min(directorySize, Self.saturated)))
    end.u32(UInt32(min(directoryOffset, Self.saturated)))
    end.u16(0)
    try file.write(end.bytes)
    try file.commit()
  }

  private func localHeader(
    name: [UInt8], method: UInt16, crc: UInt32, compressed: Int, uncompressed: Int, zip64: Bool
  ) -> [UInt8] {
    var header = LittleEndianBytes()
    header.u32(ZipSignature.localHeader)
    header.u16(zip64 ? 45 : 20)
    header.u16(0x0800)  // names are UTF-8
    header.u16(method)
    header.u16(0)
    header.u16(0x21)  // 1980-01-01
    header.u32(crc)
    header.u32(zip64 ? UInt32(Self.saturated) : UInt32(compressed))
    header.u32(zip64 ? UInt32(Self.saturated) : UInt32(uncompressed))
    header.u16(UInt16(name.count))
    header.u16(zip64 ? 20 : 0)
    header.bytes += name
    if zip64 {
      header.u16(ZipLayout.zip64ExtraID)
      header.u16(16)
      header.u64(UInt64(uncompressed))
      header.u64(UInt64(compressed))
    }
    return header.bytes
  }

  private func centralRecord(_ entry: Written) -> [UInt8] {
    var extra = LittleEndianBytes()
    let bigUncompressed = entry.usesZip64 || entry.uncompressedSize >= Self.saturated
    let bigCompressed = entry.usesZip64 || entry.compressedSize >= Self.saturated
    let bigOffset = entry.usesZip64 || entry.localHeaderOffset >= Self.saturated
    if bigUncompressed || bigCompressed || bigOffset {
      var body = LittleEndianBytes()
      if bigUncompressed { body.u64(UInt64(entry.uncompressedSize)) }
      if bigCompressed { body.u64(UInt64(entry.compressedSize)) }
      if bigOffset { body.u64(UInt64(entry.localHeaderOffset)) }
      extra.u16(ZipLayout.zip64ExtraID)
      extra.u16(UInt16(body.bytes.count))
      extra.bytes += body.bytes
    }
    var record = LittleEndianBytes()
    record.u32(ZipSignature.centralDirectory)
    record.u16(45)
    record.u16(entry.usesZip64 ? 45 : 20)
    record.u16(0x0800)
    record.u16(entry.method)
    record.u16(0)
    record.u16(0x21)
    record.u32(entry.crc)
    record.u32(bigCompressed ? UInt32(Self.saturated) : UInt32(entry.compressedSize))
    record.u32(bigUncompressed ? UInt32(Self.saturated) : UInt32(entry.uncompressedSize))
    record.u16(UInt16(entry.name.count))
    record.u16(UInt16(extra.bytes.count))
    record.u16(0)
    record.u16(0)
    record.u16(0)
    record.u32(0)
    record.u32(bigOffset ? UInt32(Self.saturated) : UInt32(entry.localHeaderOffset))
    record.bytes += entry.name + extra.bytes
    return record.bytes
  }
}

/// Accumulates little-endian fields.
struct LittleEndianBytes {
  var bytes: [UInt8] = []
  mutating func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
  mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
  mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
}

/// Receives an entry's bytes, updates CRC and sizes, and deflates them if asked.
private final class EntrySink: ByteSink {
  let file: AtomicFileWriter
  let name: String
  private(set) var crc: UInt32 = 0
  private(set) var uncompressedSize = 0
  private(set) var compressedSize = 0
  /// zlib keeps a pointer back to its stream, so the stream lives at a fixed address.
  private var stream: UnsafeMutablePointer<z_stream>?
  private let output: UnsafeMutableRawBufferPointer

  init(file: AtomicFileWriter, deflate: Bool, name: String) throws {
    self.file = file
    self.name = name
    output = UnsafeMutableRawBufferPointer.allocate(byteCount: deflate ? 1 << 18 : 0, alignment: 16)
    if deflate {
      let fresh = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
      fresh.initialize(to: z_stream())
      let status = deflateInit2_(
        fresh, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
        Int32(MemoryLayout<z_stream>.size))
      guard status == Z_OK else {
        fresh.deallocate()
        output.deallocate()
        throw ArchiveError.writeFailed(file: file.destination.path, reason: "zlib deflate could not start")
      }
      stream = fresh
    }
  }

  deinit {
    if let stream {
      deflateEnd(stream)
      stream.deallocate()
    }
    output.deallocate()
  }

  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard bytes.count > 0 else { return }
    crc = ZipChecksum.crc32(bytes, continuing: crc)
    uncompressedSize += bytes.count
    if stream == nil {
      try file.write(bytes)
      compressedSize += bytes.count
      return
    }
    var offset = 0
    while offset < bytes.count {
      let step = min(bytes.count - offset, 1 << 30)
      try pump(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + step]), flush: Z_NO_FLUSH)
      offset += step
    }
  }

  func finish() throws {
    if stream != nil { try pump(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH) }
  }

  private func pump(_ input: UnsafeRawBufferPointer, flush: Int32) throws {
    guard let stream else { return }
    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
    stream.pointee.avail_in = uInt(input.count)
    while true {
      stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
      stream.pointee.avail_out = uInt(output.count)
      let status = deflate(stream, flush)
      guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
        throw ArchiveError.writeFailed(file: file.destination.path, reason: "deflate failed on '\(name)' (\(status))")
      }
      let produced = output.count - Int(stream.pointee.avail_out)
      if produced > 0 {
        try file.write(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
        compressedSize += produced
      }
      if flush == Z_FINISH {
        if status == Z_STREAM_END { return }
      } else if stream.pointee.avail_in == 0, stream.pointee.avail_out != 0 {
        return
      }
    }
  }
}
