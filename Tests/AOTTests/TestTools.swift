// Helpers shared by the AOT tests: temporary folders, the toolchain's clang, the built stunetc,
// running programs, the package root, and the small fixture's bundle compiled once per test run.
import AOT
import Foundation
import TensorCore
import XCTest

enum TestTools {
  static let packageRoot = SharedResources.packageRoot(fromTestFile: #filePath)

  static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-aot-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func clang() throws -> URL { try Toolchain.locate("clang", override: "STUNETC_CLANG") }

  /// An executable product of this package (stunetc), from the build folder the tests run from.
  static func builtProduct(_ name: String) throws -> URL {
    let url = try RunnerTemplate.locate().buildDirectory.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
      throw MissingProduct(description: "\(url.path) is not built: run swift build --build-tests first")
    }
    return url
  }

  struct MissingProduct: Error, CustomStringConvertible {
    let description: String
  }

  /// Runs a program; fails the test with its output when it exits non-zero.
  @discardableResult
  static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let (status, output) = try ProcessRunner.run(arguments)
    guard status == 0 else {
      XCTFail("\(arguments.joined(separator: " ")) exited with \(status):\n\(output)", file: file, line: line)
      throw AOTError.linkFailed(command: arguments.joined(separator: " "), status: status, output: output)
    }
    return output
  }

  /// A shared library made from a bundle's model.o, for dlopen and ctypes.
  static func sharedLibrary(for bundle: AOTBundle) throws -> URL {
    let library = bundle.directory.appendingPathComponent("libstunet_model.so")
    if !FileManager.default.fileExists(atPath: library.path) {
      try run([try clang().path, "-shared", bundle.objectFile.path, "-o", library.path])
    }
    return library
  }
}

/// The small fixture compiled into a bundle with its executable, once for all tests.
enum FixtureBundle {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var cached: (SmallScheduleFixture, AOTBundle)?

  static func get() throws -> (fixture: SmallScheduleFixture, bundle: AOTBundle) {
    lock.lock()
    defer { lock.unlock() }
    if let cached { return cached }
    let fixture = try SmallScheduleFixture.make()
    let directory = try TestTools.temporaryDirectory("fixture")
    let bundle = try AOTBundleWriter.write(
      fixture.schedule, to: directory,
      options: AOTBundleOptions(compiler: "stunetc test", memoryReport: "arena: \(fixture.schedule.scratchBytes) bytes"))
    cached = (fixture, bundle)
    return (fixture, bundle)
  }
}
