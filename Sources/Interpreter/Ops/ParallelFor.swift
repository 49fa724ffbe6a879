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

extension ParallelFor {
  /// Runs `body(worker, item)` for every item in `0..<count` on up to `workerCount` threads that
  /// take items one at a time from a shared counter (load balancing for unequal items). `worker`
  /// is in `0..<min(workerCount, count)` and unique among concurrently running calls, so callers
  /// can give each worker its own scratch buffer.
  static func dynamic(_ count: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    guard count > 0 else { return }
    let workers = min(workerCount, count)
    if workers == 1 {
      for item in 0..<count { body(0, item) }
      return
    }
    let counter = SharedCounter()
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      while true {
        let item = counter.next()
        if item >= count { break }
        body(worker, item)
      }
    }
  }
}

/// A lock-protected counter handing out 0, 1, 2, ...
private final class SharedCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  func next() -> Int {
    lock.lock()
    defer { lock.unlock() }
    let current = value
    value += 1
    return current
  }
}
