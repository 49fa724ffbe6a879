// What the forward-pass benchmark needs from a backend: prepare (compile) a graph with its weights
// for a number of threads, run it on an input, and optionally say how long each kernel took in
// the last run. The interpreter and the LLVM JIT both implement it.
import GraphIR
import TensorCore

/// One kernel (or graph op) of a run: how long it took and how much arithmetic it does.
struct KernelTiming: Codable {
  var name: String
  var op: String
  var seconds: Double
  /// 2 x multiply-accumulates of the kernel (0 for kernels without convolutions).
  var flop: Int
}

/// A named step of preparing a model (graph passes, lowering, LLVM codegen, ...), with its time.
struct CompilePhase: Codable {
  var name: String
  var seconds: Double
}

protocol ForwardBackend: AnyObject {
  /// Short name used on the command line and in reports ("interpreter", "jit").
  var name: String { get }

  /// Prepares `graph` (the unoptimised graph built from the variant) with `weights` (keyed by the
  /// graph's parameter names) to run on `threads` threads. Returns the phases it went through,
  /// with their times; the harness times the whole call as the compile time.
  func prepare(graph: Graph, weights: [String: Tensor], threads: Int) throws -> [CompilePhase]

  /// One forward pass, written into `output` (whose storage is reused from run to run when the
  /// backend can, as the segmentation command does from tile to tile).
  func run(_ input: Tensor, into output: inout Tensor) throws

  /// Per-kernel times of the last `run`, in execution order; nil when the backend cannot tell.
  var lastKernelTimings: [KernelTiming]? { get }

  /// A line about how the backend uses threads (shown in the report).
  var threadingNote: String { get }
}
