// Decompresses a raw deflate stream (ZIP method 8: no zlib header, hence window bits -15) with zlib
// into a caller-provided buffer of exactly the declared size. The compressed bytes are read in
// bounded chunks, and a stream that would produce more or fewer bytes than declared is an error.
import CZlib

enum Inflater {
  static let chunkSize = 1 << 20

  static func inflateRaw(
    from source: RandomAccessBytes, offset: Int, compressedSize: Int,
    into output: UnsafeMutableRawBufferPointer, entry: String
  ) throws {
    try source.checkRange(offset: offset, count: compressedSize, context: "entry '\(entry)'")
    func failure(_ reason: String) -> ArchiveError {
      .inflateFailed(file: source.name, entry: entry, reason: reason)
    }
    // zlib keeps a pointer back to its stream, so the stream lives at a fixed address.
    let streamPointer = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    streamPointer.initialize(to: z_stream())
    defer { streamPointer.deallocate() }
    guard inflateInit2_(streamPointer, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw failure("zlib could not be initialised")
    }
    defer { inflateEnd(streamPointer) }

    let chunkCapacity = min(chunkSize, max(compressedSize, 1))
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkCapacity, alignment: 8)
    defer { chunk.deallocate() }
    let scratch = UnsafeMutablePointer<Bytef>.allocate(capacity: 1)
    defer { scratch.deallocate() }

    var consumed = 0
    var produced = 0
    while true {
      if streamPointer.pointee.avail_in == 0 {
        guard consumed < compressedSize else {
          throw failure("the compressed data ends after \(produced) of \(output.count) bytes")
        }
        let take = min(chunkCapacity, compressedSize - consumed)
        try source.read(at: offset + consumed, into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<take]))
        consumed += take
        streamPointer.pointee.next_in = chunk.baseAddress?.assumingMemoryBound(to: Bytef.self)
        streamPointer.pointee.avail_in = uInt(take)
      }
      if produced < output.count, let base = output.baseAddress {
        streamPointer.pointee.next_out = base.assumingMemoryBound(to: Bytef.self) + produced
        streamPointer.pointee.avail_out = uInt(min(output.count - produced, Int(UInt32.max)))
      } else {
        // The output is full: offer one spare byte to detect data beyond the declared size.
        streamPointer.pointee.next_out = scratch
        streamPointer.pointee.avail_out = 1
      }
      let before = streamPointer.pointee.total_out
      let status = inflate(streamPointer, Z_NO_FLUSH)
      produced += Int(streamPointer.pointee.total_out - before)
      if produced > output.count {
        throw failure("it holds more than the declared \(output.count) bytes")
      }
      switch status {
      case Z_STREAM_END:
        guard produced == output.count else {
          throw failure("it holds \(produced) bytes but \(output.count) are declared")
        }
        return
      case Z_OK:
        continue
      case Z_BUF_ERROR where streamPointer.pointee.avail_in == 0:
        continue
      default:
        throw failure(streamPointer.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)")
      }
    }
  }
}
