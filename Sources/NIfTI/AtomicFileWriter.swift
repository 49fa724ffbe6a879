// Writes NIfTI files through the project's single atomic writer (TensorCore.AtomicFile: temporary
// file, flush, rename; refuses directories and non-regular files), with NIfTI's error type.
import Foundation
import TensorCore

enum AtomicFileWriter {
  static func write(_ bytes: [UInt8], to url: URL) throws {
    do {
      try AtomicFile.write(bytes, to: url)
    } catch let error as FileWriteError {
      throw NIfTIError.writeFailed(path: error.path, reason: error.reason)
    }
  }
}
