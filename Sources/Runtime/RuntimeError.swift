// Errors raised by the runtime: thread creation and aligned allocation.

public enum RuntimeError: Error, CustomStringConvertible, Equatable {
  case invalidThreadCount(Int)
  case threadCreationFailed(index: Int, code: Int32)
  case invalidByteCount(Int)
  case allocationFailed(byteCount: Int, code: Int32)
  case regionOutOfBounds(offset: Int, byteCount: Int, bufferByteCount: Int)
  case misalignedRegion(offset: Int, alignment: Int)

  public var description: String {
    switch self {
    case .invalidThreadCount(let count):
      return "ThreadPool: thread count \(count) is invalid; pass 1 or more (e.g. the number of cores)"
    case .threadCreationFailed(let index, let code):
      return "ThreadPool: creating worker thread \(index) failed with pthread error \(code); lower --threads"
    case .invalidByteCount(let count):
      return "AlignedBuffer: byte count \(count) is invalid; it must be 0 or more and fit in memory"
    case .allocationFailed(let byteCount, let code):
      return "AlignedBuffer: allocating \(byteCount) bytes (64-byte aligned) failed with error \(code); "
        + "reduce the input size or free memory"
    case .regionOutOfBounds(let offset, let byteCount, let bufferByteCount):
      return "AlignedBuffer: region at offset \(offset) of \(byteCount) bytes exceeds the buffer's "
        + "\(bufferByteCount) bytes; the memory plan is inconsistent with the arena size"
    case .misalignedRegion(let offset, let alignment):
      return "AlignedBuffer: region offset \(offset) is not a multiple of \(alignment); "
        + "align arena offsets to \(alignment) bytes"
    }
  }
}
