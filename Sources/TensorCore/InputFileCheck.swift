// Says in words why an input file cannot be read (missing, a folder or device, no permission),
// before a reader opens it, so that no message carries Foundation's error domains and codes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum InputFileCheck {
  /// nil when `path` is a readable regular file; otherwise the reason, e.g. "no such file".
  public static func problem(_ path: String) -> String? {
    guard !path.isEmpty else { return "the path is empty" }
    var info = stat()
    guard stat(path, &info) == 0 else {
      return errno == ENOENT ? "no such file (check the path)" : String(cString: strerror(errno))
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: return "it is a folder, not a file"
    default: return "it is not a regular file"
    }
    guard access(path, R_OK) == 0 else { return "permission denied (the file is not readable)" }
    return nil
  }
}
