// Progress of `stunet-model segment` on standard error, as `stunetc segment` shows it: on a
// terminal a bar redrawn in place (tiles done/total, elapsed, ETA), otherwise one line per stage
// and per tile; `--progress none` is silent.
import Foundation
import Segmentation

final class SegmentProgressPrinter {
  enum Style: String, CaseIterable { case bar, lines, none }

  let style: Style
  private let runClock = Stopwatch()
  private var tileClock = Stopwatch()
  private var barShown = false
  private let barWidth = 28

  init(style: Style) { self.style = style }

  /// `auto` is the bar on a terminal, else lines.
  static func style(named name: String) throws -> Style {
    if name == "auto" { return isatty(STDERR_FILENO) != 0 ? .bar : .lines }
    guard let style = Style(rawValue: name) else {
      throw RunnerUsageError("--progress expects auto, bar, lines or none, got '\(name)'")
    }
    return style
  }

  func handle(_ event: PipelineEvent) {
    switch (style, event) {
    case (.none, _):
      return
    case (.lines, .stageStarted(let name)):
      line(String(format: "[%7.1f s] %@", runClock.seconds, name))
    case (.bar, .stageStarted):
      return
    case (_, .tilesStarted(let total, let passes)):
      tileClock = Stopwatch()
      if style == .lines { line("  \(total) tile(s), \(passes) network pass(es) each") } else { drawBar(done: 0, total: total) }
    case (.lines, .tileFinished(let done, let total)):
      line(
        "  tile \(done)/\(total) (\(100 * done / max(total, 1)) %), elapsed \(ReportFormat.duration(tileClock.seconds))"
          + (done < total ? ", ETA \(ReportFormat.duration(eta(done: done, total: total)))" : ""))
    case (.bar, .tileFinished(let done, let total)):
      drawBar(done: done, total: total)
      if done == total { endBar() }
    }
  }

  /// Ends a bar line left open (after an error, for example).
  func endBar() {
    guard barShown else { return }
    FileHandle.standardError.write(Data("\n".utf8))
    barShown = false
  }

  private func line(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

  private func eta(done: Int, total: Int) -> Double {
    done > 0 ? tileClock.seconds / Double(done) * Double(total - done) : 0
  }

  private func drawBar(done: Int, total: Int) {
    let filled = total > 0 ? barWidth * done / total : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
    var text = "\rtiles [\(bar)] \(done)/\(total)  elapsed \(ReportFormat.duration(tileClock.seconds))"
    if done > 0 && done < total { text += "  ETA \(ReportFormat.duration(eta(done: done, total: total)))" }
    FileHandle.standardError.write(Data((text + "   ").utf8))
    barShown = true
  }
}
