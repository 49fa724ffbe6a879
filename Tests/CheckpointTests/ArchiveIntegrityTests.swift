// Damaged checkpoint archives are reported, never loaded: a storage entry with flipped bytes fails
// its CRC-32 check, a checkpoint cut short by any amount gets a size bound above the bytes present,
// and empty archives or dicts are described in words ("no entries", "no keys").
import Archive
import Checkpoint
import Foundation
import XCTest

final class ArchiveIntegrityTests: XCTestCase {
  func testFlippedBytesInAStorageFailTheCRCCheck() throws {
    let original = try [UInt8](Data(contentsOf: sharedFile("golden/stunet_tiny_v1.model")))
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let archive = try ZipArchive(source: MemoryBytes(original))
    let entry = try XCTUnwrap(archive.entries.first { $0.name.hasSuffix("/data/118") })
    let range = try XCTUnwrap(try archive.storedRange(of: entry, verifyCRC: false))
    XCTAssertGreaterThanOrEqual(range.count, 100)
    var damaged = original
    let start = range.lowerBound + (range.count - 100) / 2
    for offset in start..<start + 100 { damaged[offset] ^= 0x5A }
    let url = folder.appendingPathComponent("damaged.model")
    try Data(damaged).write(to: url)
    XCTAssertThrowsError(try CheckpointLoader.load(url)) { error in
      let message = "\(error)"
      XCTAssertTrue(message.contains("corrupt archive: CRC mismatch in entry \(entry.name) (stored CRC 0x"), message)
      XCTAssertTrue(message.contains("the file is damaged; download it again"), message)
    }
    let intact = folder.appendingPathComponent("intact.model")
    try Data(original).write(to: intact)
    XCTAssertNoThrow(try CheckpointLoader.load(intact))
  }

  func testCheckpointCutShortHasABoundAboveTheBytesPresent() throws {
    let original = try [UInt8](Data(contentsOf: sharedFile("golden/stunet_tiny_v1.model")))
    for cut in [1, 2, 10, 22, 23, 60, 500, 5000, original.count / 3, original.count / 2] {
      let present = original.count - cut
      XCTAssertThrowsError(try CheckpointLoader.load(source: MemoryBytes(Array(original.prefix(present)), name: "cut.model"))) {
        error in
        guard case CheckpointError.truncatedZip(_, let reported, let expected, _) = error else {
          return XCTFail("cut \(cut): \(error)")
        }
        XCTAssertEqual(reported, present)
        XCTAssertGreaterThan(expected ?? 0, present, "cut \(cut): \(error)")
        XCTAssertLessThanOrEqual(expected ?? .max, original.count, "cut \(cut): \(error)")
      }
    }
    // Only the end record is cut: the central directory is all there and the bound is exact.
    let message = errorMessage { _ = try CheckpointLoader.load(source: MemoryBytes(Array(original.dropLast()), name: "cut.model")) }
    XCTAssertTrue(message.contains("truncated zip archive: \(original.count - 1) of at least \(original.count) bytes"), message)
  }

  func testEmptyArchiveAndEmptyDictAreDescribedInWords() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let empty = folder.appendingPathComponent("empty.pth")
    try ZipWriter(url: empty).finish()
    let emptyMessage = errorMessage { _ = try CheckpointLoader.load(empty) }
    XCTAssertTrue(emptyMessage.contains("(it holds no entries)"), emptyMessage)

    var pickle = PickleBuilder()
    pickle.emptyDict()
    pickle.stop()
    let noWeights = folder.appendingPathComponent("no_weights.pth")
    let writer = try ZipWriter(url: noWeights)
    try writer.addEntry(name: "archive/data.pkl", bytes: pickle.bytes)
    try writer.addEntry(name: "archive/version", bytes: Array("3\n".utf8))
    try writer.finish()
    let dictMessage = errorMessage { _ = try CheckpointLoader.load(noWeights) }
    XCTAssertTrue(dictMessage.contains("no weights found (the top-level dict is empty: it has no keys)"), dictMessage)
    XCTAssertFalse(dictMessage.contains("keys: )"), dictMessage)
  }
}
