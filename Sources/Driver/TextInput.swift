// Reads a text input file (Graph IR, Kernel IR) with messages that say what went wrong in words:
// missing, a folder, unreadable, not UTF-8, too large — instead of Foundation's error domains.
import Archive
import Foundation

enum TextInput {
  /// IR files are small; anything beyond this is not one (and would only exhaust memory).
  static let maximumBytes = 256 << 20

  /// The UTF-8 text of the file at `path`; `what` names it in errors ("IR file").
  static func read(_ path: String, what: String) throws -> String {
    guard !path.isEmpty else { throw CommandLineError("the \(what) path is empty") }
    let file: FileBytes
    do {
      file = try FileBytes(url: URL(fileURLWithPath: path))
    } catch let error as ArchiveError {
      throw CommandLineError("cannot read \(what) '\(path)': \(error.reasonText)")
    }
    guard file.count <= maximumBytes else {
      throw CommandLineError(
        "cannot read \(what) '\(path)': \(file.count) bytes is larger than the \(maximumBytes >> 20) MiB an IR text may have")
    }
    let bytes = try file.bytes(at: 0, count: file.count, context: what)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw CommandLineError("cannot read \(what) '\(path)': it is not UTF-8 text (a binary file?)")
    }
    return text
  }
}

extension ArchiveError {
  /// The reason alone, for messages that already name the file.
  var reasonText: String {
    switch self {
    case .cannotOpen(_, let reason): return reason
    default: return description
    }
  }
}
