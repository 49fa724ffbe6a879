// What both segment commands (`stunetc segment`, `stunet-model segment`) check in their options
// before any long work, as messages that each command throws as its own usage error: an output
// path (its suffix, not the input itself, a folder that exists and may be written) and the name
// of the label order.
import Foundation
import Segmentation

public enum SegmentOptionCheck {
  /// A wrong option value, said in words.
  public struct Problem: Error, CustomStringConvertible {
    public let description: String
  }

  /// Why `path` cannot be an output ending in one of `suffixes` beside `input` (nil when it can).
  public static func outputProblem(_ path: String, suffixes: [String], input: String) -> String? {
    guard suffixes.contains(where: { path.lowercased().hasSuffix($0) }) else {
      return "'\(path)' must end in \(suffixes.joined(separator: " or "))"
    }
    let url = URL(fileURLWithPath: path)
    guard url.standardizedFileURL.path != URL(fileURLWithPath: input).standardizedFileURL.path else {
      return "the output '\(path)' would overwrite the input"
    }
    let folder = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
      return "the folder of '\(path)' does not exist: create \(folder) first"
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
      return "cannot write into \(folder) (permission denied)"
    }
    return nil
  }

  /// The label order called `name` by --label-order (STU-Net's when the option is absent).
  public static func labelOrder(named name: String?) -> Result<LabelOrder, Problem> {
    guard let name else { return .success(.stunet) }
    guard let order = LabelOrder(rawValue: name) else {
      return .failure(
        Problem(description: "--label-order expects \(LabelOrder.allCases.map(\.rawValue).joined(separator: " or ")), got '\(name)'"))
    }
    return .success(order)
  }
}
