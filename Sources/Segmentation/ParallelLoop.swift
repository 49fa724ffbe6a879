// Splits an index range over worker threads with Dispatch's concurrentPerform. Each worker gets one
// contiguous sub-range, so per-worker scratch buffers are allocated once per call, never per element.
import Dispatch
import Foundation

public enum ParallelLoop {
  /// The number of worker threads used when a caller does not say: the machine's active cores.
  public static var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  /// Calls `body` with disjoint contiguous sub-ranges covering `0..<count`, on up to `threads` threads.
  /// Runs inline when one thread suffices. `minimumPerWorker` keeps tiny loops single-threaded.
  static func forRanges(
    _ count: Int, threads: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let workers = max(1, min(threads, count / max(1, minimumPerWorker), count))
    if workers == 1 {
      body(0..<count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let lower = count * worker / workers
      let upper = count * (worker + 1) / workers
      if lower < upper { body(lower..<upper) }
    }
  }
}
