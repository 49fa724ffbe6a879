// The two containers torch.save has used: the ZIP format (torch >= 1.6: `<root>/data.pkl`,
// `<root>/data/<key>` storages, optional `<root>/byteorder`; the root folder name varies) and the
// legacy stream (magic number, protocol version, system info, the object pickle, the storage key
// list, then each storage as an 8-byte element count followed by its raw bytes).
import Archive
import Foundation

/// A decoded torch pickle and where its storages live.
struct TorchPickleFile {
  var document: PickleDocument
  var resolver: StorageResolver
  var format: CheckpointFormat
}

enum TorchZipReader {
  static func read(_ source: RandomAccessBytes, limits: PickleLimits) throws -> TorchPickleFile {
    let archive = try ZipArchive(source: source)
    let candidates = archive.entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
    guard let pickleEntry = candidates.min(by: { $0.name.count < $1.name.count }) else {
      throw CheckpointError.notACheckpoint(file: source.name, found: "a ZIP archive without data.pkl")
    }
    let root = String(pickleEntry.name.dropLast("data.pkl".count))
    var bigEndian = false
    if let orderEntry = archive.entry(named: root + "byteorder") {
      guard orderEntry.uncompressedSize <= 16 else {
        throw CheckpointError.invalidTensor(file: source.name, name: "byteorder", reason: "the record is too long")
      }
      let order = String(decoding: try archive.read(orderEntry), as: UTF8.self)
      switch order.trimmingCharacters(in: .whitespacesAndNewlines) {
      case "little": bigEndian = false
      case "big": bigEndian = true
      default:
        throw CheckpointError.invalidTensor(file: source.name, name: "byteorder", reason: "unknown byte order '\(order)'")
      }
    }
    let document: PickleDocument
    do {
      document = try PickleMachine.load(try archive.payload(of: pickleEntry), limits: limits)
    } catch let error as PickleError {
      throw CheckpointError.malformedPickle(file: source.name, part: pickleEntry.name, reason: error.description)
    }
    return TorchPickleFile(
      document: document, resolver: ZipStorageResolver(archive: archive, root: root, bigEndian: bigEndian),
      format: .torchZip)
  }
}

enum TorchLegacyReader {
  static let magicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

  static func read(_ source: RandomAccessBytes, limits: PickleLimits) throws -> TorchPickleFile {
    let file = source.name
    func pickle(at offset: Int, _ part: String) throws -> PickleDocument {
      do {
        return try PickleMachine.load(source, offset: offset, limits: limits)
      } catch let error as PickleError {
        if case .truncated = error {
          throw CheckpointError.truncatedLegacy(
            file: file, presentBytes: source.count, expectedAtLeast: source.count + 1, detail: "the file ends inside \(part)")
        }
        throw CheckpointError.malformedPickle(file: file, part: part, reason: error.description)
      }
    }
    let magic = try pickle(at: 0, "the magic number")
    guard case .bigInt(let bytes) = magic.root, bytes == magicNumber else {
      throw CheckpointError.notACheckpoint(file: file, found: "a pickle stream without torch's magic number")
    }
    let version = try pickle(at: magic.endOffset, "the protocol version")
    guard case .int(1001) = version.root else {
      throw CheckpointError.unrecognisedFormat(file: file, found: "a legacy torch file with an unknown protocol version")
    }
    let systemInfo = try pickle(at: version.endOffset, "the system information")
    var bigEndian = false
    if case .bool(let little) = systemInfo.value("little_endian", in: systemInfo.root) { bigEndian = !little }
    let main = try pickle(at: systemInfo.endOffset, "the checkpoint object")
    let keyList = try pickle(at: main.endOffset, "the storage key list")
    guard let keyValues = keyList.items(keyList.root) else {
      throw CheckpointError.malformedPickle(file: file, part: "the storage key list", reason: "it is not a list")
    }
    var kinds: [String: ElementKind] = [:]
    for node in main.nodes {
      if case .storage(let storage) = node, let kind = storage.kind { kinds[storage.key] = kind }
    }
    var ranges: [String: Range<Int>] = [:]
    var position = keyList.endOffset
    for (index, keyValue) in keyValues.enumerated() {
      guard case .string(let key) = keyValue else {
        throw CheckpointError.malformedPickle(file: file, part: "the storage key list", reason: "a key is not a string")
      }
      guard let kind = kinds[key] else { throw CheckpointError.missingStorage(file: file, key: key) }
      guard position + 8 <= source.count else {
        throw CheckpointError.truncatedLegacy(
          file: file, presentBytes: source.count, expectedAtLeast: position + 8 * (keyValues.count - index),
          detail: "storage '\(key)' (\(index + 1) of \(keyValues.count)) is missing")
      }
      var reader = ByteReader(try source.bytes(at: position, count: 8, context: "a storage size")) { _, _ in
        CheckpointError.truncatedLegacy(file: file, presentBytes: source.count, expectedAtLeast: position + 8, detail: "")
      }
      let raw = try reader.u64()
      let count = bigEndian ? raw.byteSwapped : raw
      let (bytes, overflow) = Int(clamping: count).multipliedReportingOverflow(by: kind.byteSize)
      let start = position + 8
      guard !overflow, count <= UInt64(Int.max / 8) else {
        throw CheckpointError.invalidTensor(
          file: file, name: "storage \(key)", reason: "it declares an impossible \(count) elements")
      }
      guard bytes <= source.count - start else {
        let expected = start + bytes + 8 * (keyValues.count - index - 1)
        throw CheckpointError.truncatedLegacy(
          file: file, presentBytes: source.count, expectedAtLeast: expected,
          detail: "storage '\(key)' (\(index + 1) of \(keyValues.count)) needs \(count) elements of \(kind.byteSize) bytes")
      }
      ranges[key] = start..<start + bytes
      position = start + bytes
    }
    return TorchPickleFile(
      document: main, resolver: LegacyStorageResolver(source: source, ranges: ranges, bigEndian: bigEndian),
      format: .torchLegacy)
  }
}
