// A small helper that splits an index range into contiguous pieces and runs them on all cores
// with Dispatch's `concurrentPerform` (the calling thread takes part, so nesting is safe).

import Dispatch
import Foundation

enum ParallelFor {
  /// Number of worker threads the reference ops use.
  static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// Calls `body(range)` for disjoint contiguous sub-ranges covering `0..<count`, in parallel.
  /// `minimumPerTask` keeps tiny ranges on one thread so the dispatch overhead never dominates.
  static func run(_ count: Int, minimumPerTask: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let maxTasks = max(1, count / max(minimumPerTask, 1))
    let tasks = min(maxTasks, workerCount * 4, count)
    if tasks <= 1 {
      body(0..<count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: tasks) { task in
      let start = count * task / tasks
      let end = count * (task + 1) / tasks
      if start < end { body(start..<end) }
    }
  }
}
