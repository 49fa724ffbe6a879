// A persistent pool of worker threads for running kernels over tile ranges.
// Workers are created once, set flush-to-zero / denormals-are-zero on start (case C34) and then
// wait for work: they spin briefly on a generation counter (cheap hand-off between back-to-back
// kernels) and then sleep on a condition variable (no CPU burnt between inferences). The calling
// thread takes part as participant 0, with FTZ/DAZ on for the duration. Work is handed out in
// chunks through one atomic counter, so a participant that is descheduled (the machine is shared)
// does not hold up the others.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

public final class ThreadPool: @unchecked Sendable {
  /// Participants in every parallel region: the caller plus `threadCount - 1` workers.
  public let threadCount: Int
  private let state: PoolState
  private var workers: [pthread_t] = []

  /// Creates `threads - 1` worker threads (the caller is the last participant).
  public init(threads: Int) throws {
    guard threads >= 1, threads <= 4096 else { throw RuntimeError.invalidThreadCount(threads) }
    threadCount = threads
    state = PoolState()
    for index in 1..<threads {
      let context = Unmanaged.passRetained(WorkerContext(state: state, index: index)).toOpaque()
      var thread = pthread_t()
      let code = pthread_create(&thread, nil, { argument in
        guard let argument else { return nil }
        let context = Unmanaged<WorkerContext>.fromOpaque(argument).takeRetainedValue()
        context.state.workerLoop(index: context.index)
        return nil
      }, context)
      guard code == 0 else {
        Unmanaged<WorkerContext>.fromOpaque(context).release()
        shutDown()
        throw RuntimeError.threadCreationFailed(index: index, code: code)
      }
      workers.append(thread)
    }
  }

  /// A pool with one participant per online core.
  public static func withAllCores() throws -> ThreadPool {
    try ThreadPool(threads: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
  }

  deinit { shutDown() }

  private func shutDown() {
    state.stop()
    for thread in workers { pthread_join(thread, nil) }
    workers.removeAll()
  }

  /// Runs `participant(index)` once for every index in 0..<threadCount, concurrently; the caller
  /// runs index 0. Returns when all have finished. Not reentrant: do not call from inside a job.
  public func runOnEveryThread(_ participant: (Int) -> Void) {
    if threadCount == 1 {
      FloatingPointEnvironment.withFlushToZero { participant(0) }
      return
    }
    withoutActuallyEscaping(participant) { job in
      state.dispatch(job, workerCount: threadCount - 1)
      FloatingPointEnvironment.withFlushToZero { job(0) }
      state.waitForWorkers()
    }
  }

  /// Calls `body` on disjoint consecutive sub-ranges covering `range`, of `chunkSize` indices
  /// (the last may be shorter), handed out dynamically to the participants. With no chunk size the
  /// range is cut into `threadCount` near-equal chunks.
  public func parallelForChunks(_ range: Range<Int>, chunkSize: Int? = nil, body: (Range<Int>) -> Void) {
    let count = range.count
    guard count > 0 else { return }
    let chunk = max(1, chunkSize ?? (count + threadCount - 1) / threadCount)
    if threadCount == 1 || chunk >= count {
      FloatingPointEnvironment.withFlushToZero {
        var start = 0
        while start < count {
          body(range.lowerBound + start..<range.lowerBound + min(start + chunk, count))
          start += chunk
        }
      }
      return
    }
    let next = ChunkCounter()
    runOnEveryThread { _ in
      while true {
        let start = next.value.wrappingAdd(chunk, ordering: .relaxed).oldValue
        if start >= count { break }
        body(range.lowerBound + start..<range.lowerBound + min(start + chunk, count))
      }
    }
  }

  /// Calls `body(i)` for every i in `range`, in parallel.
  public func parallelFor(_ range: Range<Int>, chunkSize: Int? = nil, body: (Int) -> Void) {
    parallelForChunks(range, chunkSize: chunkSize) { chunk in
      for index in chunk { body(index) }
    }
  }
}

private final class ChunkCounter: Sendable {
  let value = Atomic<Int>(0)
}

private final class WorkerContext {
  let state: PoolState
  let index: Int
  init(state: PoolState, index: Int) {
    self.state = state
    self.index = index
  }
}

/// Synchronisation shared by the caller and the workers.
private final class PoolState: @unchecked Sendable {
  /// Iterations of the spin-wait before a thread goes to sleep (roughly tens of microseconds).
  static let spinLimit = 20_000

  let generation = Atomic<Int>(0)
  let remaining = Atomic<Int>(0)
  let stopping = Atomic<Bool>(false)
  let mutex: UnsafeMutablePointer<pthread_mutex_t>
  let workAvailable: UnsafeMutablePointer<pthread_cond_t>
  let workDone: UnsafeMutablePointer<pthread_cond_t>
  let callerLock: UnsafeMutablePointer<pthread_mutex_t>
  /// The current job; written only while no worker reads it (before the generation is bumped).
  var job: ((Int) -> Void)?

  init() {
    mutex = .allocate(capacity: 1)
    workAvailable = .allocate(capacity: 1)
    workDone = .allocate(capacity: 1)
    callerLock = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_mutex_init(callerLock, nil)
    pthread_cond_init(workAvailable, nil)
    pthread_cond_init(workDone, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    pthread_mutex_destroy(callerLock)
    pthread_cond_destroy(workAvailable)
    pthread_cond_destroy(workDone)
    mutex.deallocate()
    callerLock.deallocate()
    workAvailable.deallocate()
    workDone.deallocate()
  }

  func dispatch(_ newJob: @escaping (Int) -> Void, workerCount: Int) {
    pthread_mutex_lock(callerLock)
    job = newJob
    remaining.store(workerCount, ordering: .releasing)
    generation.wrappingAdd(1, ordering: .releasing)
    pthread_mutex_lock(mutex)
    pthread_cond_broadcast(workAvailable)
    pthread_mutex_unlock(mutex)
  }

  func waitForWorkers() {
    var spins = 0
    while remaining.load(ordering: .acquiring) != 0 && spins < PoolState.spinLimit { spins += 1 }
    if remaining.load(ordering: .acquiring) != 0 {
      pthread_mutex_lock(mutex)
      while remaining.load(ordering: .acquiring) != 0 { pthread_cond_wait(workDone, mutex) }
      pthread_mutex_unlock(mutex)
    }
    job = nil
    pthread_mutex_unlock(callerLock)
  }

  func stop() {
    stopping.store(true, ordering: .releasing)
    pthread_mutex_lock(mutex)
    pthread_cond_broadcast(workAvailable)
    pthread_mutex_unlock(mutex)
  }

  func workerLoop(index: Int) {
    FloatingPointEnvironment.enableFlushToZero()
    var seen = 0
    while true {
      var spins = 0
      while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed)
        && spins < PoolState.spinLimit
      {
        spins += 1
      }
      if generation.load(ordering: .acquiring) == seen {
        pthread_mutex_lock(mutex)
        while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .acquiring) {
          pthread_cond_wait(workAvailable, mutex)
        }
        pthread_mutex_unlock(mutex)
      }
      if stopping.load(ordering: .acquiring) { return }
      seen = generation.load(ordering: .acquiring)
      job?(index)
      if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
        pthread_mutex_lock(mutex)
        pthread_cond_signal(workDone)
        pthread_mutex_unlock(mutex)
      }
    }
  }
}
