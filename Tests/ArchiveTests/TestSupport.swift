// Helpers shared by the Archive tests: temporary folders and locating ../shared.
import Foundation
import TensorCore
import XCTest

func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "stunetc-archive-tests-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

func sharedFile(_ relativePath: String, file: String = #filePath) throws -> URL {
  guard let url = SharedResources.file(relativePath, packageRoot: SharedResources.packageRoot(fromTestFile: file))
  else { throw XCTSkip("needs ../shared/\(relativePath) (absent): skipped") }
  return url
}

/// Builds a .npy file by hand: magic, version, header length, header text, then `data`.
func handMadeNpy(version: UInt8, header: String, data: [UInt8]) -> [UInt8] {
  var text = Array(header.utf8)
  let lengthWidth = version == 1 ? 2 : 4
  while (10 + (lengthWidth - 2) + text.count + 1) % 64 != 0 { text.append(0x20) }
  text.append(0x0A)
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  for index in 0..<lengthWidth { bytes.append(UInt8(truncatingIfNeeded: text.count >> (8 * index))) }
  return bytes + text + data
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { value in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
