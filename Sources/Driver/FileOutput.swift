// Writes command outputs (IR text, PNG previews) atomically through TensorCore.AtomicFile, so a
// failed or interrupted run never leaves a partial file and never replaces a folder or a device.
import Foundation
import TensorCore

public enum FileOutput {
  public static func writeAtomically(_ text: String, to path: String) throws {
    try writeAtomically(Data(text.utf8), to: path)
  }

  public static func writeAtomically(_ data: Data, to path: String) throws {
    do {
      try AtomicFile.write(data, to: URL(fileURLWithPath: path))
    } catch let error as FileWriteError {
      throw OutputError(message: error.description)
    }
  }

  /// Fails early (before long work) when `path` cannot be written as an output file.
  public static func checkWritable(_ path: String) throws {
    do {
      try AtomicFile.checkDestination(URL(fileURLWithPath: path))
    } catch let error as FileWriteError {
      throw OutputError(message: error.description)
    }
  }
}

/// A failure to write an output: exit status 1, like every other runtime failure.
public struct OutputError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
