// The process's memory as the operating system counts it: the peak resident set size from
// getrusage (ru_maxrss: KiB on Linux, bytes on macOS) and the current one from /proc/self/statm
// where it exists. Used for the run report's "peak memory".
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

public enum ProcessMemory {
  /// Highest resident set size of this process so far, in bytes.
  public static var peakResidentBytes: Int {
    var usage = rusage()
    #if canImport(Darwin)
      guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss)
    #else
      guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss) * 1024
    #endif
  }

  /// Current resident set size in bytes, or nil where /proc is not available.
  public static var currentResidentBytes: Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}
