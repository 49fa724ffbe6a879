// The unit of the graph optimizer: a named transformation of the Graph IR. Every pass keeps the
// graph verifiable and its results equal to the input's (exactly, or within a documented
// tolerance: Docs/passes.md); the pass manager (PassRunner) runs them with instrumentation.
import GraphIR

public protocol GraphPass {
  /// Flag-friendly name (`--print-after=<name>`), kebab-case, unique in the registry.
  var name: String { get }
  /// One line saying what the pass does.
  var summary: String { get }
  /// Rewrites `graph` in place. Throws `PassError` when the graph violates the pass's assumptions.
  func run(_ graph: inout Graph) throws
}
