// The one place where `stunetc segment` chooses the backend that runs the network on each tile.
// Every backend gets the same graph (built at the patch shape, optimised by the default pass
// pipeline) and the same bound weights, and returns a `TilePredictor`.
import GraphIR
import Passes
import Segmentation
import TensorCore

public enum SegmentBackend: String, CaseIterable {
  /// The reference interpreter (Sources/Interpreter), final head streamed in row slabs.
  case interpreter
  /// Native code from the LLVM backend.
  case jit

  public static var names: String { allCases.map(\.rawValue).joined(separator: "|") }

  public static func named(_ name: String) throws -> SegmentBackend {
    guard let backend = SegmentBackend(rawValue: name) else {
      throw CommandLineError("unknown backend '\(name)': choose \(names)")
    }
    return backend
  }

  /// Optimises `graph` and builds this backend's predictor for it.
  public func makePredictor(graph: Graph, parameters: [String: Tensor]) throws -> (predictor: TilePredictor, notes: [String]) {
    switch self {
    case .interpreter:
      let optimized = try optimize(graph)
      let predictor = try SegmentInterpreterPredictor(graph: optimized, parameters: parameters)
      let head =
        predictor.streamsHead
        ? "the final 1x1x1 head runs in row slabs" : "the graph has no pointwise final head: whole tiles are predicted"
      return (predictor, ["backend: reference interpreter on the optimised graph (\(graph.nodes.count) -> \(optimized.nodes.count) nodes); \(head)"])
    case .jit:
      throw CommandLineError(
        "the jit backend is not available yet: the LLVM backend does not expose a runnable program in this build; use --backend interpreter")
    }
  }
}
