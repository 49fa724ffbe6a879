// Forwards finished probability rows to another consumer and adds up the time it spends, so a run
// can report the streamed export (argmax, resampling back) separately from the aggregation that
// calls it.

final class TimedRowConsumer: ProbabilityRowConsumer {
  let inner: ProbabilityRowConsumer
  private(set) var seconds = 0.0

  init(_ inner: ProbabilityRowConsumer) { self.inner = inner }

  func consume(row: Int, probabilities: UnsafeBufferPointer<Float>) throws {
    let watch = Stopwatch()
    defer { seconds += watch.seconds }
    try inner.consume(row: row, probabilities: probabilities)
  }
}
