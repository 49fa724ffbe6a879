// Timing helpers for the conv micro-benchmark.
import Foundation

/// Wall-clock seconds and process CPU seconds of one call. On a machine shared with other jobs,
/// CPU seconds / threads estimates the time the kernel would take with the cores to itself.
struct Timing {
  var wall: Double
  var cpu: Double
}

func processCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func measure(_ body: () throws -> Void) rethrows -> Timing {
  let start = DispatchTime.now().uptimeNanoseconds
  let cpuStart = processCPUSeconds()
  try body()
  return Timing(wall: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu: processCPUSeconds() - cpuStart)
}

func seconds(_ body: () throws -> Void) rethrows -> Double { try measure(body).wall }

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
