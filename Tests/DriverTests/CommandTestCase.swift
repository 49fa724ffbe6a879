// The base of the command-line tests: a scratch folder per test (removed afterwards) and running
// `stunetc` in process with a recording console.
import Driver
import Foundation
import XCTest

class CommandTestCase: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-test-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  /// Runs `stunetc ARGUMENTS`; returns the exit status, standard output and standard error.
  func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
    let (console, output, errors) = Console.recording()
    let status = CommandLineTool.run(arguments, console: console)
    return (status, output(), errors())
  }

  /// A path in the scratch folder.
  func scratch(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
