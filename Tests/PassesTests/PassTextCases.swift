// The text-in/text-out pass cases under IR/passes/<pass>/<case>.input.ir with their expected
// output <case>.expected.ir: discovery, and running a case (the folder names the pass; the folder
// `pipeline` runs the whole default pipeline). Used by the text and the numerical case tests.
import Foundation
import GraphIR
import Passes
import TensorCore

struct PassTextCase {
  var folder: String
  var name: String
  var input: URL
  var expected: URL

  var label: String { "\(folder)/\(name)" }

  /// The folder holding all cases.
  static var root: URL {
    URL(fileURLWithPath: SharedResources.packageRoot(fromTestFile: #filePath)).appendingPathComponent("IR/passes")
  }

  /// Every case, sorted by folder and name.
  static func all() throws -> [PassTextCase] {
    let fileManager = FileManager.default
    var cases: [PassTextCase] = []
    for folder in try fileManager.contentsOfDirectory(atPath: root.path).sorted() {
      let directory = root.appendingPathComponent(folder)
      var isDirectory: ObjCBool = false
      guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        continue
      }
      for file in try fileManager.contentsOfDirectory(atPath: directory.path).sorted()
      where file.hasSuffix(".input.ir") {
        let name = String(file.dropLast(".input.ir".count))
        cases.append(
          PassTextCase(
            folder: folder, name: name, input: directory.appendingPathComponent(file),
            expected: directory.appendingPathComponent(name + ".expected.ir")))
      }
    }
    return cases
  }

  /// The passes a folder stands for.
  func passes() throws -> [any GraphPass] {
    folder == "pipeline" ? optimizationPipeline() : [try PassRegistry.pass(named: folder, flag: "IR/passes folder")]
  }

  /// Parses and verifies the input, runs the passes with verification after each.
  func run() throws -> (input: Graph, output: Graph) {
    let input = try Parser.parse(try String(contentsOf: self.input, encoding: .utf8))
    try Verifier.verify(input)
    var options = PassOptions()
    options.verifyEach = true
    let output = try PassRunner(options: options, output: { _ in }).run(input, passes: try passes())
    return (input, output)
  }
}
