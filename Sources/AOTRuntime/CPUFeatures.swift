// Refuses to run a model compiled for instructions this CPU lacks (an AVX2 or AVX-512 model on an
// older or smaller CPU would die of SIGILL, case C33). The compiler records the instruction-set
// extensions its kernels may use (`cpu_features_required`, LLVM feature names); on Linux the
// CPU's own list is the "flags" line of /proc/cpuinfo. Where that cannot be read, nothing is refused.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum CPUFeatures {
  /// LLVM feature names whose /proc/cpuinfo flag is spelled differently.
  static let cpuinfoName: [String: String] = ["bmi": "bmi1", "sse4.1": "sse4_1", "sse4.2": "sse4_2"]

  /// Throws `missingCPUFeatures` when `required` (comma-separated LLVM names) lists one this CPU lacks.
  public static func check(required: String?) throws {
    guard let required, !required.isEmpty, let flags = hostFlags() else { return }
    let missing = required.split(separator: ",").map(String.init).filter { !flags.contains(cpuinfoName[$0] ?? $0) }
    if !missing.isEmpty { throw AOTRuntimeError.missingCPUFeatures(missing) }
  }

  /// The flags of the first processor in /proc/cpuinfo, or nil where there is no such file.
  public static func hostFlags() -> Set<String>? {
    guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
      guard let line else { break }
      let text = String(cString: line)
      guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
      return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
    }
    return nil
  }
}
