// Writes output files so that they either appear complete or not at all, and never destroy what
// they should not: the bytes go to a uniquely named temporary file in the destination's folder,
// are flushed, and the temporary file is renamed over the destination (rename(2) is atomic).
// The destination must be a new path or an existing regular file: an empty path, a directory, a
// device, a pipe or a socket is refused before anything is written. Every writer of the project
// (NIfTI, npy/npz/zip, PNG, IR text) goes through `checkDestination` and, for whole buffers, `write`.
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public struct FileWriteError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "cannot write '\(path)': \(reason)" }
}

public enum AtomicFile {
  /// Throws unless `url` names a path that may be replaced: not empty, not a directory, and either
  /// absent or a regular file (a symbolic link is judged by what it points to).
  public static func checkDestination(_ url: URL) throws {
    let path = url.path
    guard !url.lastPathComponent.isEmpty, !path.isEmpty, !path.hasSuffix("/") else {
      throw FileWriteError(path: path, reason: "the output path is empty or names a folder; give a file name")
    }
    var info = stat()
    if stat(path, &info) == 0 {
      let kind = info.st_mode & S_IFMT
      if kind == S_IFDIR {
        throw FileWriteError(path: path, reason: "it is a directory; give a file name inside it")
      }
      if kind != S_IFREG {
        throw FileWriteError(
          path: path, reason: "it exists and is not a regular file (a device, pipe or socket); refusing to replace it")
      }
    }
    var folderInfo = stat()
    let folder = url.deletingLastPathComponent().path
    guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
      throw FileWriteError(path: path, reason: "the folder \(folder) does not exist")
    }
  }

  /// Writes `bytes` to `url` atomically; on any failure nothing is left behind.
  public static func write(_ bytes: UnsafeRawBufferPointer, to url: URL) throws {
    try checkDestination(url)
    let path = url.path
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw FileWriteError(path: path, reason: "cannot create a file beside it: \(lastError())")
    }
    var finished = false
    defer {
      if !finished { unlink(temporary) }
    }
    var offset = 0
    while offset < bytes.count, let base = bytes.baseAddress {
      let written = systemWrite(descriptor, base + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        let reason = lastError()
        close(descriptor)
        throw FileWriteError(path: path, reason: "writing failed: \(reason)")
      }
      offset += written
    }
    guard fsync(descriptor) == 0, close(descriptor) == 0 else {
      throw FileWriteError(path: path, reason: "flushing to disk failed: \(lastError())")
    }
    guard rename(temporary, path) == 0 else {
      throw FileWriteError(path: path, reason: "moving the finished file into place failed: \(lastError())")
    }
    finished = true
  }

  public static func write(_ data: Data, to url: URL) throws {
    try data.withUnsafeBytes { try write($0, to: url) }
  }

  public static func write(_ bytes: [UInt8], to url: URL) throws {
    try bytes.withUnsafeBytes { try write($0, to: url) }
  }

  static func lastError() -> String { String(cString: strerror(errno)) }

  static func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
      return Glibc.write(descriptor, pointer, count)
    #else
      return Darwin.write(descriptor, pointer, count)
    #endif
  }
}
