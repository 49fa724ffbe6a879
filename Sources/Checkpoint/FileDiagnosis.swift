// Says what a file is from its first bytes, before any parser runs (case C35): empty files, Git LFS
// pointers, HTML pages, compressed or foreign formats and truncated ZIP archives are named in the
// error instead of surfacing as a parser failure deep inside the pickle or ZIP reader.
import Archive
import Foundation

public enum CheckpointFormat: String, Sendable {
  case torchZip = "torch zip"
  case torchLegacy = "torch legacy"
  case safetensors
  case npz
}

enum FileDiagnosis {
  static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

  /// The format of `source`, or a CheckpointError naming what the file is instead.
  static func identify(_ source: RandomAccessBytes) throws -> CheckpointFormat {
    let file = source.name
    guard source.count > 0 else { throw CheckpointError.emptyFile(file: file) }
    let head = try source.bytes(at: 0, count: min(source.count, 1024), context: "the file's first bytes")
    let text = textPrefix(head)
    if text.hasPrefix("version https://git-lfs") {
      throw CheckpointError.gitLFSPointer(file: file, declaredSize: lfsSize(text))
    }
    let lowered = text.lowercased()
    if lowered.hasPrefix("<!doctype html") || lowered.hasPrefix("<html") || lowered.hasPrefix("<head")
      || (lowered.hasPrefix("<") && lowered.contains("<html"))
    {
      throw CheckpointError.htmlPage(file: file, title: htmlTitle(text))
    }
    if starts(head, [0x50, 0x4B, 0x03, 0x04]) || starts(head, [0x50, 0x4B, 0x05, 0x06]) {
      return try zipFormat(source)
    }
    if starts(head, legacyMagic) { return .torchLegacy }
    if isSafetensors(head, size: source.count) { return .safetensors }
    if starts(head, [0x80]), head.count > 1, head[1] <= 5 {
      throw CheckpointError.notACheckpoint(
        file: file,
        found: "a plain Python pickle (protocol \(head[1])) without tensor data, such as an nnU-Net plans .pkl")
    }
    if starts(head, [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
      throw CheckpointError.notACheckpoint(
        file: file, found: "a single NumPy .npy array; weights need their names, save them as .npz")
    }
    let compressions: [([UInt8], String)] = [
      ([0x1F, 0x8B], "gzip"), (Array("BZh".utf8), "bzip2"), ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz"),
      ([0x28, 0xB5, 0x2F, 0xFD], "zstd"), ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "7-Zip"),
      (Array("Rar!".utf8), "RAR"),
    ]
    for (magic, name) in compressions where starts(head, magic) {
      throw CheckpointError.compressedFile(file: file, compression: name)
    }
    if head.count >= 262, Array(head[257..<262]) == Array("ustar".utf8) {
      throw CheckpointError.unrecognisedFormat(
        file: file, found: "a tar archive; extract it first (PyTorch before 0.4 wrote tar files, which are not supported)")
    }
    if starts(head, [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) {
      throw CheckpointError.unrecognisedFormat(file: file, found: "an HDF5 file (Keras/TensorFlow weights)")
    }
    if head.count >= 348, Array(head[344..<347]) == Array("n+1".utf8) || Array(head[344..<347]) == Array("ni1".utf8) {
      throw CheckpointError.unrecognisedFormat(file: file, found: "a NIfTI image, not weights")
    }
    if isPrintable(head) {
      let line = text.split(separator: "\n").first.map { String($0.prefix(60)) } ?? ""
      throw CheckpointError.unrecognisedFormat(file: file, found: "a text file beginning '\(line)'")
    }
    let hex = head.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    throw CheckpointError.unrecognisedFormat(file: file, found: "unknown binary data beginning 0x\(hex.joined())")
  }

  /// A ZIP: a torch checkpoint (has data.pkl) or an .npz (only .npy members); truncation is explained.
  static func zipFormat(_ source: RandomAccessBytes) throws -> CheckpointFormat {
    let archive: ZipArchive
    do {
      archive = try ZipArchive(source: source)
    } catch ArchiveError.truncatedZipArchive {
      throw try TruncatedZipDiagnosis.explain(source)
    }
    let names = archive.entries.map(\.name)
    if names.contains(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) { return .torchZip }
    if !names.isEmpty, names.allSatisfy({ $0.hasSuffix(".npy") }) { return .npz }
    let held =
      names.isEmpty
      ? "no entries"
      : names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) entries in all)" : "")
    throw CheckpointError.notACheckpoint(
      file: source.name, found: "a ZIP archive without data.pkl or .npy members (it holds \(held))")
  }

  static func starts(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
    bytes.count >= prefix.count && Array(bytes[0..<prefix.count]) == prefix
  }

  /// The head as text without a UTF-8 byte-order mark and leading white space.
  static func textPrefix(_ head: [UInt8]) -> String {
    var start = 0
    if starts(head, [0xEF, 0xBB, 0xBF]) { start = 3 }
    while start < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[start]) { start += 1 }
    return String(decoding: head[start...], as: UTF8.self)
  }

  static func lfsSize(_ text: String) -> Int? {
    for line in text.split(separator: "\n") where line.hasPrefix("size ") {
      return Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
    }
    return nil
  }

  static func htmlTitle(_ text: String) -> String? {
    guard let open = text.range(of: "<title>", options: .caseInsensitive),
      let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
    else { return nil }
    let title = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    return title.isEmpty ? nil : String(title.prefix(80))
  }

  static func isSafetensors(_ head: [UInt8], size: Int) -> Bool {
    guard head.count >= 9 else { return false }
    var length: UInt64 = 0
    for index in 0..<8 { length |= UInt64(head[index]) << (8 * UInt64(index)) }
    return length >= 2 && length <= UInt64(size - 8) && head[8] == UInt8(ascii: "{")
  }

  static func isPrintable(_ head: [UInt8]) -> Bool {
    head.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 != 0x7F) }
  }
}
