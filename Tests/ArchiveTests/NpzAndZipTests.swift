// .npz and ZIP: round trips (stored, deflated, ZIP64 records), CRC checking, truncated archives
// explained with "N of at least M bytes", and hostile central directories rejected with errors.
import Archive
import Foundation
import TensorCore
import XCTest

final class NpzAndZipTests: XCTestCase {
  private func sampleTensors() -> [String: Tensor] {
    var big = [Float](repeating: 0, count: 5000)
    for index in big.indices { big[index] = Float(index % 17) * 0.5 }
    return [
      "alpha": Tensor(shape: [2, 2], data: [1, 2, 3, 4]),
      "beta.gamma": Tensor(shape: [5000], data: big),
      "labels": Tensor(shape: [3], data: [0, 1, 7], dtype: .u8),
      "index": Tensor(shape: [2], data: [4, 5], dtype: .i64),
    ]
  }

  func testRoundTripStoredDeflatedAndZip64() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let tensors = sampleTensors()
    for compressed in [false, true] {
      let url = folder.appendingPathComponent("round\(compressed).npz")
      try NpzArchive.write(tensors, to: url, compressed: compressed)
      let archive = try NpzArchive(url: url)
      XCTAssertEqual(archive.names, tensors.keys.sorted())
      for (name, tensor) in tensors { XCTAssertEqual(try archive.tensor(name), tensor, name) }
      for entry in archive.archive.entries {
        XCTAssertEqual(entry.method, compressed ? 8 : 0)
        XCTAssertNoThrow(try archive.archive.read(entry, verifyCRC: true))
      }
    }
    let url = folder.appendingPathComponent("zip64.zip")
    let writer = try ZipWriter(url: url, forceZip64: true)
    try writer.addEntry(name: "a.bin", bytes: [1, 2, 3])
    try writer.addEntry(name: "b.bin", bytes: Array(repeating: 9, count: 1000), compressed: true)
    try writer.finish()
    let zip = try ZipArchive(url: url)
    XCTAssertEqual(zip.entries.map(\.name), ["a.bin", "b.bin"])
    XCTAssertEqual(try zip.read(named: "a.bin", verifyCRC: true), [1, 2, 3])
    XCTAssertEqual(try zip.read(named: "b.bin", verifyCRC: true), Array(repeating: 9, count: 1000))
  }

  func testStoredEntryRangeAndPartialRead() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("ranges.zip")
    let writer = try ZipWriter(url: url)
    try writer.addEntry(name: "root/data/0", bytes: Array(0..<200))
    try writer.finish()
    let zip = try ZipArchive(url: url)
    let entry = try zip.requireEntry(named: "root/data/0")
    let range = try XCTUnwrap(try zip.storedRange(of: entry))
    XCTAssertEqual(range.count, 200)
    let file = try [UInt8](Data(contentsOf: url))
    XCTAssertEqual(Array(file[range]), Array(0..<200))
    var part = [UInt8](repeating: 0, count: 10)
    try part.withUnsafeMutableBytes { try zip.read(entry, range: 50..<60, into: $0) }
    XCTAssertEqual(part, Array(50..<60))
    XCTAssertThrowsError(try zip.requireEntry(named: "missing")) { error in
      XCTAssertTrue("\(error)".contains("root/data/0"), "lists what the archive holds: \(error)")
    }
  }

  func testCorruptPayloadFailsTheCRCCheck() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("crc.zip")
    let writer = try ZipWriter(url: url)
    try writer.addEntry(name: "x", bytes: Array(repeating: 7, count: 64))
    try writer.finish()
    var bytes = try [UInt8](Data(contentsOf: url))
    bytes[30 + 1 + 5] ^= 0xFF  // a payload byte (local header 30 bytes + name "x")
    let zip = try ZipArchive(source: MemoryBytes(bytes))
    XCTAssertNoThrow(try zip.read(named: "x"))
    XCTAssertThrowsError(try zip.read(named: "x", verifyCRC: true)) { error in
      guard case ArchiveError.checksumMismatch = error else { return XCTFail("\(error)") }
    }
  }

  func testTruncatedArchiveIsExplained() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("cut.npz")
    try NpzArchive.write(sampleTensors(), to: url)
    let bytes = try [UInt8](Data(contentsOf: url))
    let cut = Array(bytes.prefix(bytes.count / 2))
    XCTAssertThrowsError(try ZipArchive(source: MemoryBytes(cut, name: "cut.npz"))) { error in
      guard case ArchiveError.truncatedZipArchive(_, let present, let expected, _) = error else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(present, cut.count)
      // Sizes are in the local headers, so the bound covers every entry that was started.
      XCTAssertGreaterThan(expected ?? 0, cut.count)
      XCTAssertLessThanOrEqual(expected ?? .max, bytes.count)
      XCTAssertTrue("\(error)".contains("truncated zip archive: \(cut.count) of at least"), "\(error)")
    }
  }

  func testHostileDirectoriesThrow() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("ok.zip")
    let writer = try ZipWriter(url: url)
    try writer.addEntry(name: "entry", bytes: Array(repeating: 1, count: 100), compressed: true)
    try writer.finish()
    let good = try [UInt8](Data(contentsOf: url))
    let end = good.count - 22
    var manyEntries = good
    manyEntries[end + 10] = 0xFF  // entry count far beyond what the directory can hold
    manyEntries[end + 11] = 0xFF
    var hugeUncompressed = good
    let directory = Int(good[end + 16]) | Int(good[end + 17]) << 8
    for offset in 24..<28 { hugeUncompressed[directory + offset] = 0x7F }  // 2 GB from a tiny deflate stream
    var badOffset = good
    badOffset[end + 16] = 0xF0
    badOffset[end + 19] = 0x70
    for (label, bytes) in [("entry count", manyEntries), ("uncompressed size", hugeUncompressed), ("offset", badOffset)] {
      XCTAssertThrowsError(try ZipArchive(source: MemoryBytes(bytes)).read(named: "entry"), label)
    }
    XCTAssertThrowsError(try ZipArchive(source: MemoryBytes(Array("plain text".utf8)))) { error in
      guard case ArchiveError.notAZipArchive = error else { return XCTFail("\(error)") }
    }
  }
}
