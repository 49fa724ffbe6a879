// Where the bytes of a torch storage live: a stored ZIP entry `<root>/data/<key>` (read in place),
// or a byte range after the pickles of a legacy file. Resolution checks that the storage's declared
// element count fits the bytes actually present before any tensor is read.
import Archive

struct StorageLocation {
  var source: RandomAccessBytes
  /// Offset of element 0 of the storage (after a legacy view offset).
  var byteOffset: Int
  /// Bytes present from `byteOffset` on.
  var availableBytes: Int
  var bigEndian: Bool
}

protocol StorageResolver {
  func locate(_ storage: StorageReference) throws -> StorageLocation
}

/// Storages of a torch zip checkpoint: `<root>/data/<key>` entries.
final class ZipStorageResolver: StorageResolver {
  let archive: ZipArchive
  let root: String
  let bigEndian: Bool
  private var payloads: [String: RandomAccessBytes] = [:]

  init(archive: ZipArchive, root: String, bigEndian: Bool) {
    self.archive = archive
    self.root = root
    self.bigEndian = bigEndian
  }

  func locate(_ storage: StorageReference) throws -> StorageLocation {
    let name = root + "data/" + storage.key
    let payload: RandomAccessBytes
    if let cached = payloads[name] {
      payload = cached
    } else {
      guard let entry = archive.entry(named: name) else {
        throw CheckpointError.missingStorage(file: archive.name, key: storage.key)
      }
      payload = try archive.payload(of: entry)
      payloads[name] = payload
    }
    return StorageLocation(source: payload, byteOffset: 0, availableBytes: payload.count, bigEndian: bigEndian)
  }
}

/// Storages of a legacy torch file: consecutive (element count, raw bytes) records after the pickles.
final class LegacyStorageResolver: StorageResolver {
  let source: RandomAccessBytes
  let ranges: [String: Range<Int>]
  let bigEndian: Bool

  init(source: RandomAccessBytes, ranges: [String: Range<Int>], bigEndian: Bool) {
    self.source = source
    self.ranges = ranges
    self.bigEndian = bigEndian
  }

  func locate(_ storage: StorageReference) throws -> StorageLocation {
    guard let range = ranges[storage.key], let kind = storage.kind else {
      throw CheckpointError.missingStorage(file: source.name, key: storage.key)
    }
    let (viewBytes, overflow) = storage.viewOffset.multipliedReportingOverflow(by: kind.byteSize)
    guard !overflow, viewBytes <= range.count else {
      throw CheckpointError.invalidTensor(
        file: source.name, name: "storage \(storage.key)", reason: "view offset beyond the storage")
    }
    return StorageLocation(
      source: source, byteOffset: range.lowerBound + viewBytes, availableBytes: range.count - viewBytes,
      bigEndian: bigEndian)
  }
}
