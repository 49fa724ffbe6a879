// One-shot gzip compression with zlib (a single RFC 1952 member), for writing .nii.gz outputs.
import CZlib

enum GzipDeflater {
  /// Compresses `bytes` into one gzip member. Level 6 is gzip's default trade-off.
  static func compress(_ bytes: [UInt8], level: Int32 = 6, path: String) throws -> [UInt8] {
    var stream = z_stream()
    // 15 + 16: a 32 KiB window with a gzip (not zlib) wrapper.
    var status = deflateInit2_(
      &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
      Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      throw NIfTIError.writeFailed(path: path, reason: "zlib could not start compression (status \(status))")
    }
    defer { deflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var offset = 0
    repeat {
      let available = min(bytes.count - offset, Int(UInt32.max))
      let flush = offset + available == bytes.count ? Z_FINISH : Z_NO_FLUSH
      var produced = 0
      bytes.withUnsafeBufferPointer { input in
        chunk.withUnsafeMutableBufferPointer { out in
          stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + offset })
          stream.avail_in = UInt32(available)
          stream.next_out = out.baseAddress
          stream.avail_out = UInt32(out.count)
          status = deflate(&stream, flush)
          offset += available - Int(stream.avail_in)
          produced = out.count - Int(stream.avail_out)
          stream.next_in = nil
          stream.next_out = nil
        }
      }
      output.append(contentsOf: chunk[0..<produced])
      guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
        throw NIfTIError.writeFailed(path: path, reason: "zlib compression failed (status \(status))")
      }
    } while status != Z_STREAM_END
    return output
  }
}
