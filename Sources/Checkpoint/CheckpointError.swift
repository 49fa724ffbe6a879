// Errors of checkpoint loading. Each message names the file, says what was found, and what to do.
import Archive

public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  case emptyFile(file: String)
  case gitLFSPointer(file: String, declaredSize: Int?)
  case htmlPage(file: String, title: String?)
  case truncatedZip(file: String, presentBytes: Int, expectedAtLeast: Int?, detail: String)
  case truncatedLegacy(file: String, presentBytes: Int, expectedAtLeast: Int, detail: String)
  case compressedFile(file: String, compression: String)
  case unrecognisedFormat(file: String, found: String)
  case notACheckpoint(file: String, found: String)
  case malformedPickle(file: String, part: String, reason: String)
  case archive(ArchiveError)
  case missingStorage(file: String, key: String)
  case invalidTensor(file: String, name: String, reason: String)
  case unsupportedTensor(file: String, name: String, reason: String)
  case noStateDictionary(file: String, found: String)
  case limitExceeded(file: String, what: String)
  case invalidSafetensors(file: String, reason: String)

  public var description: String {
    switch self {
    case .emptyFile(let file):
      return "\(file): empty file (0 bytes); the download or copy failed, fetch the checkpoint again"
    case .gitLFSPointer(let file, let size):
      let real = size.map { " for a \($0)-byte file" } ?? ""
      return
        "\(file): this is a Git LFS pointer (a small text stub\(real)), not the checkpoint; "
        + "run `git lfs pull` in the repository or download the real file"
    case .htmlPage(let file, let title):
      let named = title.map { " titled '\($0)'" } ?? ""
      return
        "\(file): this is an HTML page\(named), not a checkpoint; the download returned a web page "
        + "(quota, login or error page), download the file again (for Google Drive, use the direct link)"
    case .truncatedZip(let file, let present, let expected, let detail):
      let total = expected.map { "at least \($0)" } ?? "an unknown number of"
      return
        "\(file): truncated zip archive: \(present) of \(total) bytes (\(detail)); "
        + "the download or copy stopped early, fetch the file again and compare its size with the source"
    case .truncatedLegacy(let file, let present, let expected, let detail):
      return
        "\(file): truncated legacy torch file: \(present) of at least \(expected) bytes (\(detail)); "
        + "fetch the file again"
    case .compressedFile(let file, let compression):
      return "\(file): this is a \(compression)-compressed file, not a checkpoint; decompress it and load the result"
    case .unrecognisedFormat(let file, let found):
      return
        "\(file): not a checkpoint format stunetc knows (\(found)); expected a PyTorch .model/.pth "
        + "(zip or legacy), .safetensors or .npz file"
    case .notACheckpoint(let file, let found):
      return "\(file): \(found), not a checkpoint with weights"
    case .malformedPickle(let file, let part, let reason):
      return "\(file): the pickle in \(part) cannot be read: \(reason); the file is corrupt or not a torch checkpoint"
    case .archive(let error):
      return error.description
    case .missingStorage(let file, let key):
      return "\(file): tensor data 'data/\(key)' referenced by the pickle is missing; the file is corrupt or incomplete"
    case .invalidTensor(let file, let name, let reason):
      return "\(file): tensor '\(name)' is invalid (\(reason)); the file is corrupt"
    case .unsupportedTensor(let file, let name, let reason):
      return "\(file): tensor '\(name)' cannot be loaded (\(reason)); re-save it as a float32/float16 CPU tensor"
    case .noStateDictionary(let file, let found):
      return
        "\(file): no weights found (\(found)); expected a dict with 'state_dict' (nnU-Net v1), "
        + "'network_weights' (nnU-Net v2) or a bare state dict of tensors"
    case .limitExceeded(let file, let what):
      return "\(file): refusing to load: \(what); the file is corrupt or hostile"
    case .invalidSafetensors(let file, let reason):
      return "\(file): invalid safetensors file (\(reason))"
    }
  }
}
