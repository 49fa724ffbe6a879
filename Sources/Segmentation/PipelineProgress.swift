// Progress of a segmentation run as events for whoever shows it (a terminal bar, log lines, a
// test): stages as they start, and each tile as it finishes with the count so far.

public enum PipelineEvent: Equatable, Sendable {
  /// A named stage begins ("crop", "resample", "normalise", "pad", "predict", ...).
  case stageStarted(String)
  /// The sliding window is about to run `total` tiles of `passesPerTile` network passes each.
  case tilesStarted(total: Int, passesPerTile: Int)
  /// `done` of `total` tiles are predicted and aggregated.
  case tileFinished(done: Int, total: Int)
}

public typealias PipelineProgressHandler = (PipelineEvent) -> Void
