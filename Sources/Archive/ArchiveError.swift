// Typed errors of the Archive module (ZIP containers, .npy and .npz files). Every message says
// which file, what was found, and what the user can do about it.

public enum ArchiveError: Error, CustomStringConvertible, Equatable {
  case cannotOpen(file: String, reason: String)
  case readFailed(file: String, offset: Int, count: Int, reason: String)
  /// A read past the end of the data: the file is shorter than its own records say.
  case unexpectedEnd(file: String, context: String, offset: Int, needed: Int, available: Int)
  case notAZipArchive(file: String, reason: String)
  case corruptZipArchive(file: String, reason: String)
  case truncatedZipArchive(file: String, presentBytes: Int, expectedAtLeast: Int?, detail: String)
  case entryNotFound(file: String, name: String, available: [String])
  case unsupportedCompression(file: String, entry: String, method: Int)
  case encryptedEntry(file: String, entry: String)
  case inflateFailed(file: String, entry: String, reason: String)
  case implausibleEntrySize(file: String, entry: String, size: Int, reason: String)
  case checksumMismatch(file: String, entry: String, expected: UInt32, actual: UInt32)
  case invalidNumpyFile(file: String, reason: String)
  /// A syntax error in the header's dict literal, at a byte offset from the start of the file.
  case malformedNumpyHeader(file: String, offset: Int, reason: String)
  case unsupportedNumpyDType(file: String, descr: String)
  case writeFailed(file: String, reason: String)
  /// The destination was refused before writing (missing folder, a folder or device in the way).
  case destinationRefused(file: String, reason: String)

  public var description: String {
    switch self {
    case .cannotOpen(let file, let reason):
      return "\(file): cannot open (\(reason)); check the path and its permissions"
    case .readFailed(let file, let offset, let count, let reason):
      return "\(file): reading \(count) bytes at offset \(offset) failed (\(reason))"
    case .unexpectedEnd(let file, let context, let offset, let needed, let available):
      return
        "\(file): \(context) needs \(needed) bytes at offset \(offset) but only \(available) remain; "
        + "the file is truncated or corrupt, download or copy it again"
    case .notAZipArchive(let file, let reason):
      return "\(file): not a ZIP archive (\(reason))"
    case .corruptZipArchive(let file, let reason):
      return "\(file): corrupt ZIP archive (\(reason)); download or copy the file again"
    case .truncatedZipArchive(let file, let present, let expected, let detail):
      let total = expected.map { "at least \($0)" } ?? "an unknown number of"
      return
        "\(file): truncated zip archive: \(present) of \(total) bytes (\(detail)); "
        + "the download or copy stopped early, fetch the file again and compare its size with the source"
    case .entryNotFound(let file, let name, let available):
      let shown = available.isEmpty ? "no entries" : available.prefix(8).joined(separator: ", ")
      let more = available.count > 8 ? ", … (\(available.count) in all)" : ""
      return "\(file): no entry named '\(name)'; the archive holds \(shown)\(more)"
    case .unsupportedCompression(let file, let entry, let method):
      return
        "\(file): entry '\(entry)' uses ZIP compression method \(method); only stored (0) and deflate (8) "
        + "are supported, re-save the archive with one of those"
    case .encryptedEntry(let file, let entry):
      return "\(file): entry '\(entry)' is encrypted; decrypt the archive first"
    case .inflateFailed(let file, let entry, let reason):
      return "\(file): entry '\(entry)' does not decompress (\(reason)); the archive is corrupt"
    case .implausibleEntrySize(let file, let entry, let size, let reason):
      return "\(file): entry '\(entry)' declares \(size) bytes, which is implausible (\(reason)); the archive is corrupt"
    case .checksumMismatch(let file, let entry, let expected, let actual):
      return
        "\(file): corrupt archive: CRC mismatch in entry \(entry) (stored CRC \(hex(expected)), computed \(hex(actual))): "
        + "the file is damaged; download it again"
    case .invalidNumpyFile(let file, let reason):
      return "\(file): not a valid NumPy .npy array (\(reason))"
    case .malformedNumpyHeader(let file, let offset, let reason):
      return "\(file): malformed .npy header at offset \(offset): \(reason); the file is damaged or was not written by NumPy"
    case .unsupportedNumpyDType(let file, let descr):
      return
        "\(file): NumPy dtype '\(descr)' is not supported (supported: <f4 <f8 <f2 <i8 <i4 |u1 |b1 "
        + "and their big-endian forms); convert the array with numpy first"
    case .writeFailed(let file, let reason):
      return "\(file): writing failed (\(reason)); check free space and permissions"
    case .destinationRefused(let file, let reason):
      return "\(file): cannot write there: \(reason)"
    }
  }
}

private func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
