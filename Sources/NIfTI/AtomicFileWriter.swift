// Writes a file so that it either appears complete or not at all: the bytes go to a uniquely named
// temporary file in the destination's folder (same file system), are flushed to disk, and the
// temporary file is then renamed over the destination (rename(2) is atomic). On any failure the
// temporary file is removed.
import Foundation

#if canImport(Glibc)
  import Glibc
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let systemWrite = Darwin.write
#endif

enum AtomicFileWriter {
  static func write(_ bytes: [UInt8], to url: URL) throws {
    let path = url.path
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw NIfTIError.writeFailed(path: path, reason: "cannot create a file in \(folder.path): \(lastErrorText())")
    }
    var succeeded = false
    defer {
      if !succeeded { unlink(temporary) }
    }
    do {
      try writeAll(bytes, to: descriptor, path: path)
      guard fsync(descriptor) == 0 else {
        throw NIfTIError.writeFailed(path: path, reason: "flushing to disk failed: \(lastErrorText())")
      }
    } catch {
      close(descriptor)
      throw error
    }
    guard close(descriptor) == 0 else {
      throw NIfTIError.writeFailed(path: path, reason: "closing the temporary file failed: \(lastErrorText())")
    }
    guard rename(temporary, path) == 0 else {
      throw NIfTIError.writeFailed(path: path, reason: "moving the finished file into place failed: \(lastErrorText())")
    }
    succeeded = true
  }

  private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
    try bytes.withUnsafeBytes { buffer in
      guard let base = buffer.baseAddress else { return }
      var offset = 0
      while offset < buffer.count {
        let written = systemWrite(descriptor, base + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          throw NIfTIError.writeFailed(path: path, reason: "writing failed: \(lastErrorText())")
        }
        offset += written
      }
    }
  }

  private static func lastErrorText() -> String { String(cString: strerror(errno)) }
}
