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
    // Every way to the bytes checks the CRC by default; only an explicit opt-out skips it.
    XCTAssertEqual(try zip.read(named: "x", verifyCRC: false).count, 64)
    let entry = try zip.requireEntry(named: "x")
    let reads: [(String, () throws -> Void)] = [
      ("read", { _ = try zip.read(named: "x") }),
      ("payload", { _ = try zip.payload(of: entry) }),
      ("storedRange", { _ = try zip.storedRange(of: entry) }),
      ("range read", { var part = [UInt8](repeating: 0, count: 4); try part.withUnsafeMutableBytes { try zip.read(entry, range: 0..<4, into: $0) } }),
    ]
    for (label, read) in reads {
      XCTAssertThrowsError(try read(), label) { error in
        guard case ArchiveError.checksumMismatch(_, "x", let stored, let computed) = error else { return XCTFail("\(label): \(error)") }
        XCTAssertNotEqual(stored, computed)
        XCTAssertTrue(
          "\(error)".contains("corrupt archive: CRC mismatch in entry x (stored CRC 0x"), "\(label): \(error)")
        XCTAssertTrue("\(error)".hasSuffix("the file is damaged; download it again"), "\(label): \(error)")
      }
    }
  }

  /// A wrong CRC in the central directory is caught for stored and deflated entries alike.
  func testRecordedCRCMismatchIsCaughtForStoredAndDeflatedEntries() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for compressed in [false, true] {
      let url = folder.appendingPathComponent("crc\(compressed).zip")
      let writer = try ZipWriter(url: url)
      try writer.addEntry(name: "good", bytes: Array(repeating: 1, count: 300), compressed: compressed)
      try writer.addEntry(name: "bad", bytes: (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }, compressed: compressed)
      try writer.finish()
      var bytes = try [UInt8](Data(contentsOf: url))
      let pristine = try ZipArchive(source: MemoryBytes(bytes))
      XCTAssertEqual(try pristine.read(named: "bad").count, 3000)
      // Flip one bit of the CRC field of the second central-directory record.
      var records: [Int] = []
      for offset in 0..<(bytes.count - 4) where bytes[offset..<offset + 4].elementsEqual([0x50, 0x4B, 0x01, 0x02]) {
        records.append(offset)
      }
      XCTAssertEqual(records.count, 2)
      bytes[records[1] + 16] ^= 0x01
      let zip = try ZipArchive(source: MemoryBytes(bytes, name: "crc.zip"))
      XCTAssertEqual(try zip.read(named: "good").count, 300)
      let bad = try zip.requireEntry(named: "bad")
      for (label, read) in [("read", { _ = try zip.read(bad) }), ("payload", { _ = try zip.payload(of: bad) })] as [(String, () throws -> Void)] {
        XCTAssertThrowsError(try read(), "\(label), compressed \(compressed)") { error in
          XCTAssertTrue("\(error)".contains("crc.zip: corrupt archive: CRC mismatch in entry bad"), "\(error)")
        }
      }
    }
  }

  func testMissingEntryOfAnEmptyArchiveSaysSo() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("empty.zip")
    try ZipWriter(url: url).finish()
    let zip = try ZipArchive(url: url)
    XCTAssertTrue(zip.entries.isEmpty)
    XCTAssertThrowsError(try zip.requireEntry(named: "x")) { error in
      XCTAssertTrue("\(error)".hasSuffix("the archive holds no entries"), "\(error)")
    }
  }

  /// However much is cut off, the bound on the complete size lies above the bytes present and
  /// never above the real size (cuts inside entries, the central directory and the end record).
  func testTruncationBoundIsBetweenThePresentAndTheRealSize() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("whole.npz")
    try NpzArchive.write(sampleTensors(), to: url)
    let bytes = try [UInt8](Data(contentsOf: url))
    var cuts = Set([1, 2, 21, 22, 23, 40, 46, 47, 100])
    for step in stride(from: 1, to: bytes.count - 4, by: max(1, bytes.count / 97)) { cuts.insert(step) }
    for cut in cuts.sorted() where cut < bytes.count - 4 {
      let present = bytes.count - cut
      XCTAssertThrowsError(try ZipArchive(source: MemoryBytes(Array(bytes.prefix(present)), name: "cut.npz"))) { error in
        guard case ArchiveError.truncatedZipArchive(_, let reported, let expected, _) = error else {
          return XCTFail("cut \(cut): \(error)")
        }
        XCTAssertEqual(reported, present)
        let bound = expected ?? 0
        XCTAssertGreaterThan(bound, present, "cut \(cut): \(error)")
        XCTAssertLessThanOrEqual(bound, bytes.count, "cut \(cut): \(error)")
      }
    }
    // Cut inside the end record only: every central-directory record is present, so the bound is exact.
    XCTAssertThrowsError(try ZipArchive(source: MemoryBytes(Array(bytes.dropLast()), name: "cut.npz"))) { error in
      XCTAssertTrue("\(error)".contains("truncated zip archive: \(bytes.count - 1) of at least \(bytes.count) bytes"), "\(error)")
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
