// Resident memory of this test process: the getrusage(2) peak (never resets), and on Linux the
// current RSS and a resettable high-water mark from /proc (writing "5" to /proc/self/clear_refs
// resets VmHWM), so a test can measure the peak of one operation despite a large baseline.
import Foundation
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

enum PeakMemory {
  static func residentSetPeakBytes() -> Int {
    var usage = rusage()
    #if canImport(Glibc)
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return Int(usage.ru_maxrss) * 1024
    #else
      getrusage(RUSAGE_SELF, &usage)
      return Int(usage.ru_maxrss)
    #endif
  }

  /// Resets the kernel's high-water mark (Linux); false where unsupported.
  static func resetHighWaterMark() -> Bool {
    (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
  }

  /// A field such as "VmRSS" or "VmHWM" of /proc/self/status, in bytes (Linux only).
  static func statusBytes(_ field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
      let number = line.split(separator: " ").compactMap { Int($0) }.first
      return number.map { $0 * 1024 }
    }
    return nil
  }
}
