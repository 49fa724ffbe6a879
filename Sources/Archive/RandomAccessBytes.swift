// Random access to the bytes of a file or of an in-memory buffer. Files are read with pread(2)
// straight into the caller's buffer, so a reader can place tensor data where it will live
// (no intermediate copy of a whole checkpoint, and only the bytes asked for are touched).
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

public protocol RandomAccessBytes: AnyObject {
  /// Total number of bytes.
  var count: Int { get }
  /// Name used in messages (the file path, or a label for in-memory data).
  var name: String { get }
  /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count`; throws when they are not all present.
  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws
}

extension RandomAccessBytes {
  /// The bytes at `offset ..< offset + count`, bounds-checked before anything is allocated.
  public func bytes(at offset: Int, count byteCount: Int, context: String) throws -> [UInt8] {
    try checkRange(offset: offset, count: byteCount, context: context)
    return try [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
      try read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
      initialized = byteCount
    }
  }

  /// Throws `unexpectedEnd` unless `offset ..< offset + count` lies inside the data.
  public func checkRange(offset: Int, count byteCount: Int, context: String) throws {
    guard offset >= 0, byteCount >= 0, offset <= count, byteCount <= count - offset else {
      throw ArchiveError.unexpectedEnd(
        file: name, context: context, offset: offset, needed: byteCount, available: max(0, count - max(offset, 0)))
    }
  }
}

/// A file opened read-only; reads use pread(2) and never change a shared position.
public final class FileBytes: RandomAccessBytes {
  public let count: Int
  public let name: String
  private let descriptor: Int32

  public init(url: URL) throws {
    name = url.path
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else {
      throw ArchiveError.cannotOpen(file: url.path, reason: String(cString: strerror(errno)))
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw ArchiveError.cannotOpen(file: url.path, reason: reason)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw ArchiveError.cannotOpen(file: url.path, reason: "not a regular file")
    }
    descriptor = fd
    count = Int(info.st_size)
  }

  deinit { close(descriptor) }

  public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
    try checkRange(offset: offset, count: buffer.count, context: "a read")
    guard let base = buffer.baseAddress else { return }
    var done = 0
    while done < buffer.count {
      let got = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
      if got < 0 {
        if errno == EINTR { continue }
        throw ArchiveError.readFailed(
          file: name, offset: offset + done, count: buffer.count - done, reason: String(cString: strerror(errno)))
      }
      if got == 0 {
        throw ArchiveError.unexpectedEnd(
          file: name, context: "a read (the file shrank while open)", offset: offset + done,
          needed: buffer.count - done, available: 0)
      }
      done += got
    }
  }
}

/// Bytes held in memory (tests, fuzzing, data already decompressed).
public final class MemoryBytes: RandomAccessBytes {
  public let storage: [UInt8]
  public let name: String
  public var count: Int { storage.count }

  public init(_ bytes: [UInt8], name: String = "<memory>") {
    storage = bytes
    self.name = name
  }

  public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
    try checkRange(offset: offset, count: buffer.count, context: "a read")
    guard buffer.count > 0 else { return }
    storage.withUnsafeBytes { source in
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + buffer.count]))
    }
  }
}
