// A bundle's weights.bin, memory-mapped read-only: pages are read from disk when the kernels first
// touch them and shared between processes that map the same file. The blob (after the header)
// starts on a 64-byte boundary of the file, and mmap returns page-aligned memory, so the blob
// address satisfies the model's alignment without a copy.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class WeightsFile: @unchecked Sendable {
  public let path: String
  public let header: WeightsFileHeader
  /// Start of the packed weights, aligned to `header.alignment`.
  public let blob: UnsafeRawPointer
  private let mapping: UnsafeMutableRawPointer?
  private let mappedBytes: Int

  /// Maps `path` and checks its header; `verifyChecksum` also reads every byte once.
  public init(path: String, verifyChecksum: Bool = false) throws {
    self.path = path
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw AOTRuntimeError.unreadableWeights(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw AOTRuntimeError.unreadableWeights(path: path, reason: String(cString: strerror(errno)))
    }
    let fileBytes = Int(status.st_size)
    guard fileBytes >= WeightsFileHeader.fixedBytes else {
      throw AOTRuntimeError.malformedWeights(path: path, reason: "it has \(fileBytes) bytes, fewer than the 64-byte header")
    }
    guard let address = mmap(nil, fileBytes, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
      throw AOTRuntimeError.unreadableWeights(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
    }
    mapping = address
    mappedBytes = fileBytes
    do {
      header = try WeightsFileHeader.decode(
        UnsafeRawBufferPointer(start: address, count: fileBytes), fileBytes: fileBytes, source: path)
    } catch {
      munmap(address, fileBytes)
      throw error
    }
    blob = UnsafeRawPointer(address) + header.headerBytes
    if verifyChecksum {
      let actual = FNV1a.hash(UnsafeRawBufferPointer(start: blob, count: header.blobBytes))
      guard actual == header.checksum else {
        munmap(address, fileBytes)
        throw AOTRuntimeError.checksumMismatch(path: path)
      }
    }
  }

  deinit {
    if let mapping { munmap(mapping, mappedBytes) }
  }

  /// Throws unless this file was written for the model with `fingerprint` and `weightsBytes` of weights.
  public func check(fingerprint: String, weightsBytes: Int) throws {
    guard header.fingerprint == fingerprint else {
      throw AOTRuntimeError.weightsMismatch(path: path, fileFingerprint: header.fingerprint, modelFingerprint: fingerprint)
    }
    guard header.blobBytes == weightsBytes else {
      throw AOTRuntimeError.weightsSizeMismatch(path: path, fileBytes: header.blobBytes, modelBytes: weightsBytes)
    }
  }
}
