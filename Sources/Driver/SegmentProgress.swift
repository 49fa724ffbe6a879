// Where `stunetc segment` shows its progress: the pipeline's printer (Segmentation) writing to
// the console's diagnostics, the bar only for the real standard error attached to a terminal.
import Foundation
import SegmentCommandSupport
import Segmentation

enum SegmentProgress {
  static func make(named name: String, console: Console) throws -> PipelineProgressPrinter {
    let isStandard = console === Console.standard
    guard let style = PipelineProgressPrinter.style(named: name, terminal: isStandard && isatty(STDERR_FILENO) != 0) else {
      throw CommandLineError("--progress expects \(PipelineProgressPrinter.styleChoices), got '\(name)'")
    }
    return PipelineProgressPrinter(
      style: style,
      writeRaw: { text in
        if isStandard { FileHandle.standardError.write(Data(text.utf8)) } else { console.diagnostics(text) }
      },
      writeLine: { console.diagnostics($0) })
  }
}
