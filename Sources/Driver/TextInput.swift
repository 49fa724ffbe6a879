// Reads a text input file (Graph IR, Kernel IR) with messages that say what went wrong in words:
// missing, a folder, unreadable (TensorCore.InputFileCheck, as for scans), not UTF-8, too large.
import Archive
import Foundation
import TensorCore

enum TextInput {
  /// IR files are small; anything beyond this is not one (and would only exhaust memory).
  static let maximumBytes = 256 << 20

  /// The UTF-8 text of the file at `path`; `what` names it in errors ("IR file").
  static func read(_ path: String, what: String) throws -> String {
    if let problem = InputFileCheck.problem(path) { throw CommandLineError("cannot read \(what) '\(path)': \(problem)") }
    let file = try FileBytes(url: URL(fileURLWithPath: path))
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
