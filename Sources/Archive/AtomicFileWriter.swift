// Writes a file atomically: the bytes go to a temporary file in the destination's folder, which
// is renamed over the destination only after everything was written and closed. A failed or
// interrupted write never leaves a half-written file under the final name.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation
import TensorCore

/// Something bytes can be written to in order.
public protocol ByteSink: AnyObject {
  func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }
}

public final class AtomicFileWriter: ByteSink {
  public let destination: URL
  private let temporaryPath: String
  private var descriptor: Int32
  /// Bytes written so far.
  public private(set) var offset = 0

  public init(destination: URL) throws {
    do {
      try AtomicFile.checkDestination(destination)
    } catch let error as FileWriteError {
      throw ArchiveError.destinationRefused(file: error.path, reason: error.reason)
    }
    self.destination = destination
    let folder = destination.deletingLastPathComponent().path
    let random = UInt32.random(in: 0...UInt32.max)
    temporaryPath = folder + "/." + destination.lastPathComponent + ".\(getpid()).\(random).tmp"
    descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw ArchiveError.writeFailed(file: destination.path, reason: String(cString: strerror(errno)))
    }
  }

  deinit {
    if descriptor >= 0 {
      close(descriptor)
      unlink(temporaryPath)
    }
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard let base = bytes.baseAddress else { return }
    var done = 0
    while done < bytes.count {
      let wrote = Glibc_or_Darwin_write(descriptor, base + done, bytes.count - done)
      if wrote < 0 {
        if errno == EINTR { continue }
        throw ArchiveError.writeFailed(file: destination.path, reason: String(cString: strerror(errno)))
      }
      done += wrote
    }
    offset += bytes.count
  }

  /// Overwrites bytes already written (used to patch ZIP local headers once sizes are known).
  public func patch(at position: Int, with bytes: [UInt8]) throws {
    guard position >= 0, position + bytes.count <= offset else {
      throw ArchiveError.writeFailed(file: destination.path, reason: "patch outside the written range")
    }
    let wrote = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(position)) }
    guard wrote == bytes.count else {
      throw ArchiveError.writeFailed(file: destination.path, reason: String(cString: strerror(errno)))
    }
  }

  /// Closes the temporary file and renames it onto the destination.
  public func commit() throws {
    let fd = descriptor
    descriptor = -1
    guard close(fd) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporaryPath)
      throw ArchiveError.writeFailed(file: destination.path, reason: reason)
    }
    guard rename(temporaryPath, destination.path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporaryPath)
      throw ArchiveError.writeFailed(file: destination.path, reason: reason)
    }
  }
}

@inline(__always)
private func Glibc_or_Darwin_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
  #else
    return Darwin.write(fd, pointer, count)
  #endif
}
