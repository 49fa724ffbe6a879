// The one place where `stunetc segment` chooses the backend that runs the network on each tile.
// Every backend gets the same graph (built at the patch shape, optimised by the default pass
// pipeline) and the same bound weights, and returns a `TilePredictor`.
import GraphIR
import Passes
import Segmentation
import TensorCore

public enum SegmentBackend: String, CaseIterable {
  /// Native code from the LLVM backend (the default).
  case jit
  /// The reference interpreter (Sources/Interpreter), final head streamed in row slabs.
  case interpreter

  public static var names: String { allCases.map(\.rawValue).joined(separator: "|") }

  public static func named(_ name: String) throws -> SegmentBackend {
    guard let backend = SegmentBackend(rawValue: name) else {
      throw CommandLineError("unknown backend '\(name)': choose \(names)")
    }
    return backend
  }

  /// Optimises `graph` and builds this backend's predictor for it.
  public func makePredictor(graph: Graph, parameters: [String: Tensor], threads: Int? = nil) throws
    -> (predictor: TilePredictor, notes: [String])
  {
    let optimized = try optimize(graph)
    var options = BackendOptions(backend: self == .jit ? .jit : .interpreter)
    if let threads { options.jit.threads = threads }
    let predictor = try SegmentTilePredictor(graph: optimized, parameters: parameters, options: options)
    let head =
      predictor.streamsHead
      ? "the final 1x1x1 head runs in row slabs" : "the graph has no pointwise final head: whole tiles are predicted"
    let name = self == .jit ? "LLVM JIT (native kernels for this CPU)" : "reference interpreter"
    var notes = ["backend: \(name) on the optimised graph (\(graph.nodes.count) -> \(optimized.nodes.count) nodes); \(head)"]
    let interpreted = predictor.interpretedKernels
    if !interpreted.isEmpty {
      notes.append("note: \(interpreted.count) kernel(s) run in the interpreter (slower): " + interpreted.joined(separator: ", "))
    }
    return (predictor, notes)
  }
}
