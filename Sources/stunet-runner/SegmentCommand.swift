// `stunet-model segment`: placeholder until the segmentation pipeline's TilePredictor is on main.
enum SegmentCommand {
  static func run(_ arguments: [String]) throws -> Int32 {
    throw RunnerUsageError("segment is not available in this build yet")
  }
}
