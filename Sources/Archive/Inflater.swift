// Decompresses a raw deflate stream (ZIP method 8: no zlib header, hence window bits -15) with zlib,
// streaming the output in bounded chunks to a sink. The compressed bytes are read in bounded chunks
// too, and a stream that produces more or fewer bytes than declared is an error, so memory grows
// only with data that is really there, never with a size field a corrupt archive declares.
import CZlib

enum Inflater {
  static let chunkSize = 1 << 20

  static func inflateRaw(
    from source: RandomAccessBytes, offset: Int, compressedSize: Int, expectedSize: Int, entry: String,
    sink: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    try source.checkRange(offset: offset, count: compressedSize, context: "entry '\(entry)'")
    func failure(_ reason: String) -> ArchiveError {
      .inflateFailed(file: source.name, entry: entry, reason: reason)
    }
    // zlib keeps a pointer back to its stream, so the stream lives at a fixed address.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    guard inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw failure("zlib could not be initialised")
    }
    defer { inflateEnd(stream) }

    let inputCapacity = min(chunkSize, max(compressedSize, 1))
    let input = UnsafeMutableRawBufferPointer.allocate(byteCount: inputCapacity, alignment: 16)
    defer { input.deallocate() }
    // One spare byte beyond the expected size detects streams that hold more than declared.
    let outputCapacity = min(chunkSize, expectedSize + 1)
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: outputCapacity, alignment: 16)
    defer { output.deallocate() }

    var consumed = 0
    var produced = 0
    while true {
      if stream.pointee.avail_in == 0 {
        guard consumed < compressedSize else {
          throw failure("the compressed data ends after \(produced) of \(expectedSize) bytes")
        }
        let take = min(inputCapacity, compressedSize - consumed)
        try source.read(at: offset + consumed, into: UnsafeMutableRawBufferPointer(rebasing: input[0..<take]))
        consumed += take
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(take)
      }
      stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
      stream.pointee.avail_out = uInt(outputCapacity)
      let status = inflate(stream, Z_NO_FLUSH)
      let got = outputCapacity - Int(stream.pointee.avail_out)
      if got > 0 {
        guard got <= expectedSize - produced else {
          throw failure("it holds more than the declared \(expectedSize) bytes")
        }
        try sink(UnsafeRawBufferPointer(rebasing: output[0..<got]))
        produced += got
      }
      switch status {
      case Z_STREAM_END:
        guard produced == expectedSize else {
          throw failure("it holds \(produced) bytes but \(expectedSize) are declared")
        }
        return
      case Z_OK:
        continue
      case Z_BUF_ERROR where stream.pointee.avail_in == 0:
        continue
      default:
        throw failure(stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)")
      }
    }
  }
}
