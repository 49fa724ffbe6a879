// Where `stunet-model segment` shows its progress: the pipeline's printer (Segmentation) on
// standard error, as `stunetc segment` shows it (the bar on a terminal, else lines).
import CommandOptions
import Foundation
import SegmentCommandSupport
import Segmentation

enum SegmentProgressPrinter {
  static func make(named name: String) throws -> PipelineProgressPrinter {
    guard let style = PipelineProgressPrinter.style(named: name, terminal: isatty(STDERR_FILENO) != 0) else {
      throw CommandLineError("--progress expects \(PipelineProgressPrinter.styleChoices), got '\(name)'")
    }
    return PipelineProgressPrinter(
      style: style, writeRaw: { FileHandle.standardError.write(Data($0.utf8)) },
      writeLine: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
  }
}
