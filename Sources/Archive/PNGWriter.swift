// Writes 8-bit RGB images as PNG (signature, IHDR, one zlib-compressed IDAT, IEND; each chunk
// with its CRC-32), using zlib only. Written atomically: temporary file, then rename.
import CZlib
import Foundation
import TensorCore

public enum PNGWriter {
  public enum Failure: Error, CustomStringConvertible {
    case badSize(width: Int, height: Int, bytes: Int)
    case compression(Int32)
    case write(String, String)

    public var description: String {
      switch self {
      case .badSize(let width, let height, let bytes):
        return "PNG: \(width)x\(height) RGB needs \(width * height * 3) bytes, got \(bytes)"
      case .compression(let code): return "PNG: zlib compression failed (code \(code))"
      case .write(let path, let reason): return "cannot write PNG '\(path)': \(reason)"
      }
    }
  }

  /// PNG bytes for `rgb` (row-major, 3 bytes per pixel, top row first).
  public static func encode(rgb: [UInt8], width: Int, height: Int) throws -> Data {
    guard width > 0, height > 0, width <= 1 << 20, height <= 1 << 20, rgb.count == width * height * 3 else {
      throw Failure.badSize(width: width, height: height, bytes: rgb.count)
    }
    var raw = [UInt8]()
    raw.reserveCapacity((width * 3 + 1) * height)
    for row in 0..<height {
      raw.append(0)  // filter type: none
      raw.append(contentsOf: rgb[(row * width * 3)..<((row + 1) * width * 3)])
    }
    var compressedSize = compressBound(uLong(raw.count))
    var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
    let status = compress2(&compressed, &compressedSize, raw, uLong(raw.count), 6)
    guard status == Z_OK else { throw Failure.compression(status) }
    var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    var header = [UInt8]()
    header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, adaptive filter, no interlace
    appendChunk("IHDR", header, to: &png)
    appendChunk("IDAT", Array(compressed[0..<Int(compressedSize)]), to: &png)
    appendChunk("IEND", [], to: &png)
    return png
  }

  public static func write(rgb: [UInt8], width: Int, height: Int, to url: URL) throws {
    let data = try encode(rgb: rgb, width: width, height: height)
    do {
      try AtomicFile.write(data, to: url)
    } catch let error as FileWriteError {
      throw Failure.write(error.path, error.reason)
    }
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }

  static func appendChunk(_ type: String, _ payload: [UInt8], to png: inout Data) {
    let typeBytes = Array(type.utf8)
    png.append(contentsOf: bigEndian(UInt32(payload.count)))
    png.append(contentsOf: typeBytes)
    png.append(contentsOf: payload)
    let checked = typeBytes + payload
    let crc = checked.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
    png.append(contentsOf: bigEndian(UInt32(truncatingIfNeeded: crc)))
  }
}
