// Locates the workplace's `shared/` folder (golden vectors, real scans, cases) so that tests and
// benchmarks can use it when present and skip with a clear message when it is not.
import Foundation

public enum SharedResources {
  /// `$STUNETC_SHARED`, else `../shared` relative to the package root or the current directory.
  public static func root(packageRoot: String? = nil) -> URL? {
    let fileManager = FileManager.default
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["STUNETC_SHARED"] { candidates.append(env) }
    if let packageRoot { candidates.append(packageRoot + "/../shared") }
    candidates.append(fileManager.currentDirectoryPath + "/../shared")
    for path in candidates {
      var isDirectory: ObjCBool = false
      if fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        return URL(fileURLWithPath: path).standardizedFileURL
      }
    }
    return nil
  }

  /// A file under shared/, or nil when shared/ or the file is absent.
  public static func file(_ relativePath: String, packageRoot: String? = nil) -> URL? {
    guard let root = root(packageRoot: packageRoot) else { return nil }
    let url = root.appendingPathComponent(relativePath)
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// The package root derived from a source file path inside `Tests/<Target>/`.
  public static func packageRoot(fromTestFile file: String) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }
}
