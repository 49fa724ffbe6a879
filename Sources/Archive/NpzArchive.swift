// NumPy .npz archives: a ZIP of .npy members (stored or deflated). Reading opens the central
// directory once and decodes members on request; names are given without the ".npy" suffix.
// Writing streams each tensor into its member and renames the finished archive into place.
import Foundation
import TensorCore

public struct NpzArchive {
  public let archive: ZipArchive
  /// Member names without ".npy", in archive order.
  public let names: [String]
  private let entryByName: [String: ZipEntry]

  public init(url: URL) throws {
    try self.init(archive: ZipArchive(url: url))
  }

  public init(archive: ZipArchive) throws {
    self.archive = archive
    var names: [String] = []
    var entries: [String: ZipEntry] = [:]
    for entry in archive.entries where !entry.name.hasSuffix("/") {
      let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
      if entries[name] == nil {
        names.append(name)
        entries[name] = entry
      }
    }
    self.names = names
    entryByName = entries
  }

  public func tensor(_ name: String) throws -> Tensor {
    guard let entry = entryByName[name] else {
      throw ArchiveError.entryNotFound(file: archive.name, name: name, available: names)
    }
    return try NumpyFile.read(from: archive.payload(of: entry))
  }

  /// All members, in archive order.
  public func tensors() throws -> [(name: String, tensor: Tensor)] {
    try names.map { ($0, try tensor($0)) }
  }

  /// Writes `tensors` (sorted by name, for a reproducible file) as an .npz, atomically.
  public static func write(_ tensors: [String: Tensor], to url: URL, compressed: Bool = false) throws {
    try write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url, compressed: compressed)
  }

  /// Writes `tensors` in the given order as an .npz, atomically.
  public static func write(_ tensors: [(String, Tensor)], to url: URL, compressed: Bool = false) throws {
    let writer = try ZipWriter(url: url)
    for (name, tensor) in tensors {
      try writer.addEntry(
        name: name + ".npy", compressed: compressed, expectedSize: NumpyFile.encodedSize(tensor)
      ) { sink in
        try NumpyFile.write(tensor, to: sink)
      }
    }
    try writer.finish()
  }
}
