// Streaming gzip decompression with zlib, for .nii.gz files. Follows RFC 1952: a gzip file may be
// several members concatenated (block-gzip tools write them), so after each member's end the
// inflater is reset and continues with the next one. Output grows only as data is actually
// produced and never beyond what the caller asks for, so a hostile header cannot make us allocate
// more than the compressed file really holds.
import CZlib

/// True when `bytes` start with the gzip magic 1f 8b.
func hasGzipMagic(_ bytes: [UInt8]) -> Bool {
  bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
}

/// The largest expansion deflate can achieve (about 1032:1), used to reject headers that declare
/// more data than a compressed file of a given size could possibly contain.
let maximumDeflateRatio = 1032

final class GzipInflater {
  private let compressed: [UInt8]
  private let path: String
  private var stream = z_stream()
  private var inputOffset = 0
  private var memberEnded = false
  private var finished = false
  private var scratch = [UInt8](repeating: 0, count: 1 << 18)

  init(compressed: [UInt8], path: String) throws {
    self.compressed = compressed
    self.path = path
    // 15 + 32: a 32 KiB window with automatic gzip/zlib header detection.
    let status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      throw NIfTIError.corruptCompression(path: path, reason: "zlib could not start (status \(status))")
    }
  }

  deinit { inflateEnd(&stream) }

  /// Appends decompressed bytes to `output` until it holds `count` bytes or every member has ended.
  func read(into output: inout [UInt8], upTo count: Int) throws {
    while output.count < count, !finished {
      if memberEnded {
        startNextMemberIfAny()
        continue
      }
      let wanted = min(scratch.count, count - output.count)
      let produced = try inflateStep(outputCapacity: wanted)
      output.append(contentsOf: scratch[0..<produced])
    }
  }

  /// Inflates the rest of the current member without keeping the output, so that zlib checks the
  /// member's CRC-32 and length trailer even when the image data ended before it.
  func verifyCurrentMember() throws {
    while !memberEnded, !finished {
      _ = try inflateStep(outputCapacity: scratch.count)
    }
  }

  private func inflateStep(outputCapacity: Int) throws -> Int {
    let available = compressed.count - inputOffset
    var status: Int32 = Z_OK
    var produced = 0
    compressed.withUnsafeBufferPointer { input in
      scratch.withUnsafeMutableBufferPointer { output in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + inputOffset })
        stream.avail_in = UInt32(min(available, Int(UInt32.max)))
        stream.next_out = output.baseAddress
        stream.avail_out = UInt32(outputCapacity)
        status = inflate(&stream, Z_NO_FLUSH)
        inputOffset += min(available, Int(UInt32.max)) - Int(stream.avail_in)
        produced = outputCapacity - Int(stream.avail_out)
        stream.next_in = nil
        stream.next_out = nil
      }
    }
    switch status {
    case Z_OK:
      return produced
    case Z_STREAM_END:
      memberEnded = true
      return produced
    case Z_BUF_ERROR where compressed.count - inputOffset == 0:
      throw NIfTIError.corruptCompression(
        path: path, reason: "the compressed data ends in the middle of a gzip member: the file is truncated")
    default:
      let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
      throw NIfTIError.corruptCompression(path: path, reason: message)
    }
  }

  /// After a member ends: another member follows when the next bytes are the gzip magic; anything
  /// else (nothing, zero padding, trailing garbage) ends the stream, as `gzip -d` does.
  private func startNextMemberIfAny() {
    let next = inputOffset
    if compressed.count - next >= 2, compressed[next] == 0x1F, compressed[next + 1] == 0x8B,
      inflateReset(&stream) == Z_OK
    {
      memberEnded = false
    } else {
      finished = true
    }
  }
}
