// Shows a segmentation's progress events (`stunetc segment`, `stunet-model segment`): on a
// terminal a bar redrawn in place with '\r' (tiles done/total, elapsed time, ETA from the mean
// time per tile so far); otherwise (logs, CI, tests) one plain line per stage and per tile; or
// nothing. Where the text goes is the caller's (two writers: raw text, and whole lines). Also:
// running a pipeline on a NIfTI image with its progress shown.
import Foundation
import NIfTI
import Segmentation
import TensorCore

public final class PipelineProgressPrinter {
  public enum Style: String, CaseIterable, Sendable {
    case bar, lines, none
  }

  /// The names `style(named:terminal:)` accepts, for messages.
  public static let styleChoices = "auto, bar, lines or none"

  /// The style called `name`; `auto` is the bar where `terminal` (standard error is a terminal the
  /// bar may redraw), else lines. Nil for an unknown name.
  public static func style(named name: String, terminal: Bool) -> Style? {
    name == "auto" ? (terminal ? .bar : .lines) : Style(rawValue: name)
  }

  public let style: Style
  /// Writes text as is (no newline added).
  private let writeRaw: (String) -> Void
  /// Writes one line.
  private let writeLine: (String) -> Void
  private let runClock = Stopwatch()
  private var tileClock = Stopwatch()
  private var barShown = false
  private let barWidth = 28

  public init(style: Style, writeRaw: @escaping (String) -> Void, writeLine: @escaping (String) -> Void) {
    self.style = style
    self.writeRaw = writeRaw
    self.writeLine = writeLine
  }

  public func handle(_ event: PipelineEvent) {
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
        "  tile \(done)/\(total) (\(100 * done / max(total, 1)) %), elapsed \(ReportFormat.duration(tileClock.seconds))"
          + (done < total ? ", ETA \(ReportFormat.duration(eta(done: done, total: total)))" : ""))
    case (.bar, .tileFinished(let done, let total)):
      drawBar(done: done, total: total)
      if done == total { endBar() }
    }
  }

  /// Ends a bar line left open (after an error, for example).
  public func endBar() {
    guard barShown else { return }
    writeRaw("\n")
    barShown = false
  }

  private func eta(done: Int, total: Int) -> Double {
    done > 0 ? tileClock.seconds / Double(done) * Double(total - done) : 0
  }

  private func drawBar(done: Int, total: Int) {
    let filled = total > 0 ? barWidth * min(done, total) / total : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled)
    var text = "\rtiles [\(bar)] \(done)/\(total)  elapsed \(ReportFormat.duration(tileClock.seconds))"
    if done > 0 && done < total { text += "  ETA \(ReportFormat.duration(eta(done: done, total: total)))" }
    writeRaw(text + "   ")
    barShown = true
  }
}

extension SegmentationPipeline {
  /// Segments `image` with its progress shown on `printer`; an open bar is closed when it fails.
  public func run(_ image: NIfTIImage, showingProgressOn printer: PipelineProgressPrinter) throws -> SegmentationResult {
    do {
      return try run(image: image.voxelsKJI, spacing: image.spacingKJI, progress: printer.handle)
    } catch {
      printer.endBar()
      throw error
    }
  }
}
