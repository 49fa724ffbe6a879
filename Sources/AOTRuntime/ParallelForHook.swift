// The thread-pool hook a compiled model calls for every kernel (stunet_parallel_for_fn), served by
// the project's persistent ThreadPool: tiles 0..<tiles are cut into one chunk per thread and
// handed out dynamically, as the JIT runtime does, and the pool's workers run with flush-to-zero /
// denormals-are-zero on (the model's task sets it as well). The pool travels as the hook's
// context pointer, unretained: the caller keeps it alive for the duration of stunet_model_run.
import AOTModelABI
import Runtime

public enum ParallelForHook {
  /// The hook to pass to `stunet_model_run` together with `context(for:)`.
  public static let function: stunet_parallel_for_fn = { pool, task, taskContext, tiles in
    guard let pool, let task, tiles > 0 else { return }
    let threadPool = Unmanaged<ThreadPool>.fromOpaque(pool).takeUnretainedValue()
    threadPool.parallelForChunks(0..<Int(tiles)) { chunk in
      task(taskContext, Int64(chunk.lowerBound), Int64(chunk.upperBound))
    }
  }

  /// The context pointer for `pool` (not retained).
  public static func context(for pool: ThreadPool) -> UnsafeMutableRawPointer {
    Unmanaged.passUnretained(pool).toOpaque()
  }
}
