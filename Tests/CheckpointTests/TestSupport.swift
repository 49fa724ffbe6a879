// Helpers shared by the Checkpoint tests: locating ../shared, temporary folders, and comparison of
// loaded tensors with the golden .npz.
import Archive
import Checkpoint
import Foundation
import TensorCore
import XCTest

func sharedFile(_ relativePath: String, file: String = #filePath) throws -> URL {
  guard let url = SharedResources.file(relativePath, packageRoot: SharedResources.packageRoot(fromTestFile: file))
  else { throw XCTSkip("needs ../shared/\(relativePath) (absent): skipped") }
  return url
}

func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "stunetc-checkpoint-tests-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The golden weights as (names in order, tensors).
func goldenWeights() throws -> (names: [String], tensors: [String: Tensor]) {
  let archive = try NpzArchive(url: sharedFile("golden/stunet_tiny_weights.npz"))
  var tensors: [String: Tensor] = [:]
  for name in archive.names { tensors[name] = try archive.tensor(name) }
  return (archive.names, tensors)
}

/// The message of an error thrown by `body`, or a failure if nothing was thrown.
func errorMessage(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
  do {
    try body()
    XCTFail("expected an error", file: file, line: line)
    return ""
  } catch {
    return "\(error)"
  }
}
