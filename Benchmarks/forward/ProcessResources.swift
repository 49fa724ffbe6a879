// What the process costs the machine: peak resident memory as getrusage reports it (ru_maxrss,
// KiB on Linux) and as the kernel's VmHWM line in /proc/self/status says, process CPU time, the
// load average (the machine is shared, so every figure carries it) and CPU affinity, which is how
// `--threads` limits the interpreter to N cores.
import Foundation

struct PeakMemory: Codable {
  /// getrusage(RUSAGE_SELF).ru_maxrss in bytes.
  var ruMaxRSSBytes: Int
  /// VmHWM from /proc/self/status in bytes (nil where /proc is absent).
  var vmHWMBytes: Int?
}

enum ProcessResources {
  static func peakMemory() -> PeakMemory {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return PeakMemory(ruMaxRSSBytes: usage.ru_maxrss * 1024, vmHWMBytes: statusField("VmHWM"))
  }

  /// A "Name:   1234 kB" line of /proc/self/status, in bytes.
  static func statusField(_ name: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
      return kib * 1024
    }
    return nil
  }

  static func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  /// The 1, 5 and 15 minute load averages.
  static func loadAverage() -> [Double] {
    var loads = [Double](repeating: 0, count: 3)
    let count = getloadavg(&loads, 3)
    return count == 3 ? loads : []
  }

  /// Waits (at most `limit` seconds) until the 1-minute load average is below `maximum`; returns
  /// the seconds waited. The machine is shared, so quiet moments give the least noisy figures.
  static func waitForLoad(below maximum: Double, limit: Int = 900, log: (String) -> Void) -> Int {
    guard maximum > 0 else { return 0 }
    var waited = 0
    while (loadAverage().first ?? 0) >= maximum && waited < limit {
      sleep(10)
      waited += 10
    }
    if waited > 0 {
      log(String(format: "   waited %d s for the load average to fall below %.2f (now %.2f)", waited, maximum, loadAverage().first ?? 0))
    }
    return waited
  }

  /// CPUs this process may run on.
  static func allowedCPUs() -> [Int] {
    guard let getAffinity = AffinityCalls.get else { return (0..<ProcessInfo.processInfo.processorCount).map { $0 } }
    var set = [UInt8](repeating: 0, count: AffinityCalls.setBytes)
    guard getAffinity(0, set.count, &set) == 0 else { return [] }
    return (0..<(set.count * 8)).filter { set[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
  }

  /// Restricts the process (its threads now and those created later) to the first `count`
  /// allowed CPUs. Call it before any thread pool or Dispatch worker starts.
  static func restrict(toCPUs count: Int) throws {
    let allowed = allowedCPUs()
    guard count >= 1 else { throw BenchmarkError.usage("--threads must be at least 1") }
    guard count < allowed.count else { return }
    guard let setAffinity = AffinityCalls.set else {
      throw BenchmarkError.system("sched_setaffinity is unavailable: cannot limit the interpreter to \(count) core(s)")
    }
    var set = [UInt8](repeating: 0, count: AffinityCalls.setBytes)
    for cpu in allowed.prefix(count) { set[cpu / 8] |= 1 << UInt8(cpu % 8) }
    // Linux applies affinity per thread: set it on every thread that exists now (new threads
    // inherit it from the thread that creates them).
    let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.compactMap { pid_t($0) } ?? []
    for thread in threads.isEmpty ? [0] : threads {
      guard setAffinity(thread, set.count, set) == 0 else {
        throw BenchmarkError.system("sched_setaffinity of thread \(thread) to \(count) CPU(s) failed (errno \(errno))")
      }
    }
  }

  /// "AMD EPYC, 2 CPUs" from /proc/cpuinfo.
  static func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }
}

/// glibc's sched_getaffinity/sched_setaffinity, looked up at run time (Swift's Glibc module does
/// not import these GNU extensions). The CPU set is glibc's 1024-bit cpu_set_t.
enum AffinityCalls {
  typealias Get = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
  typealias Set = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
  static let setBytes = 128

  static let get: Get? = symbol("sched_getaffinity").map { unsafeBitCast($0, to: Get.self) }
  static let set: Set? = symbol("sched_setaffinity").map { unsafeBitCast($0, to: Set.self) }

  private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
    // RTLD_DEFAULT (a null handle) searches the process's global symbols, glibc among them.
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
  }
}
