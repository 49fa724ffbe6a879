// Progress of `stunetc segment` on standard error: on a terminal a bar redrawn in place with '\r'
// (tiles done/total, elapsed time, ETA from the mean time per tile so far); otherwise (logs, CI,
// tests) one plain line per stage and per tile.
import Foundation
import Segmentation

final class SegmentProgress {
  enum Style: String, CaseIterable {
    case bar, lines, none
  }

  let style: Style
  /// Writes text as is (no newline added).
  private let writeRaw: (String) -> Void
  /// Writes one line.
  private let writeLine: (String) -> Void
  private let runClock = Stopwatch()
  private var tileClock = Stopwatch()
  private var barShown = false
  private let barWidth = 28

  init(style: Style, writeRaw: @escaping (String) -> Void, writeLine: @escaping (String) -> Void) {
    self.style = style
    self.writeRaw = writeRaw
    self.writeLine = writeLine
  }

  /// `auto` picks the bar only for the real standard error attached to a terminal.
  static func style(named name: String, console: Console) throws -> Style {
    if name == "auto" {
      return console === Console.standard && isatty(STDERR_FILENO) != 0 ? .bar : .lines
    }
    guard let style = Style(rawValue: name) else {
      throw CommandLineError("--progress expects auto, bar, lines or none, got '\(name)'")
    }
    return style
  }

  static func make(style: Style, console: Console) -> SegmentProgress {
    let isStandard = console === Console.standard
    return SegmentProgress(
      style: style,
      writeRaw: { text in
        if isStandard { FileHandle.standardError.write(Data(text.utf8)) } else { console.diagnostics(text) }
      },
      writeLine: { console.diagnostics($0) })
  }

  func handle(_ event: PipelineEvent) {
    switch (style, event) {
    case (.none, _):
      return
    case (.lines, .stageStarted(let name)):
      writeLine(String(format: "[%7.1f s] %@", runClock.seconds, name))
    case (.bar, .stageStarted):
      return
    case (_, .tilesStarted(let total, let passes)):
      tileClock = Stopwatch()
      if style == .lines {
        writeLine("  \(total) tile(s), \(passes) network pass(es) each")
      } else {
        drawBar(done: 0, total: total)
      }
    case (.lines, .tileFinished(let done, let total)):
      writeLine(
        "  tile \(done)/\(total) (\(100 * done / max(total, 1)) %), elapsed \(Self.duration(tileClock.seconds))"
          + (done < total ? ", ETA \(Self.duration(eta(done: done, total: total)))" : ""))
    case (.bar, .tileFinished(let done, let total)):
      drawBar(done: done, total: total)
      if done == total { endBar() }
    }
  }

  /// Ends a bar line left open (after an error, for example).
  func endBar() {
    guard barShown else { return }
    writeRaw("\n")
    barShown = false
  }

  private func eta(done: Int, total: Int) -> Double {
    done > 0 ? tileClock.seconds / Double(done) * Double(total - done) : 0
  }

  private func drawBar(done: Int, total: Int) {
    let filled = total > 0 ? barWidth * done / total : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
    var text = "\rtiles [\(bar)] \(done)/\(total)  elapsed \(Self.duration(tileClock.seconds))"
    if done > 0 && done < total { text += "  ETA \(Self.duration(eta(done: done, total: total)))" }
    writeRaw(text + "   ")
    barShown = true
  }

  /// "4.2 s", "3m07s".
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    let whole = Int(seconds.rounded())
    return String(format: "%dm%02ds", whole / 60, whole % 60)
  }
}
