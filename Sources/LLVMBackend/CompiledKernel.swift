// A JIT-compiled kernel: its entry point, tile count and buffer contract, and the ways to run it
// (one thread over a tile range, or a thread pool splitting 0..<tileCount into chunks). Holding
// the JIT keeps the machine code alive.
import Runtime

public final class CompiledKernel: @unchecked Sendable {
  public let name: String
  public let tileCount: Int
  public let buffers: [KernelBufferDescriptor]
  public let flopCount: Int
  public let entryPoint: KernelEntryPoint
  private let owner: JITCompiler

  init(generator: KernelGenerator, entryPoint: KernelEntryPoint, owner: JITCompiler) {
    name = generator.kernelName
    tileCount = generator.tileCount
    buffers = generator.buffers
    flopCount = generator.flopCount
    self.entryPoint = entryPoint
    self.owner = owner
  }

  /// Checks the arguments against the buffer contract and returns their addresses.
  public func addresses(for arguments: [KernelArgument]) throws -> [UnsafeMutableRawPointer?] {
    guard arguments.count == buffers.count else {
      throw BackendError.invalidSpec(
        kernel: name, reason: "\(arguments.count) buffers passed, \(buffers.count) expected (\(buffers))")
    }
    for (argument, descriptor) in zip(arguments, buffers) {
      guard argument.elementType == descriptor.elementType, argument.elementCount >= descriptor.elementCount,
        argument.address != nil || descriptor.elementCount == 0
      else {
        throw BackendError.bufferSizeMismatch(
          kernel: name, buffer: descriptor.name, expected: descriptor.elementCount, actual: argument.elementCount)
      }
    }
    return arguments.map(\.address)
  }

  /// Runs tiles `tiles` on the calling thread (with whatever MXCSR it has).
  public func run(_ arguments: [KernelArgument], tiles: Range<Int>? = nil) throws {
    let addresses = try addresses(for: arguments)
    let range = tiles ?? 0..<tileCount
    addresses.withUnsafeBufferPointer { pointer in
      entryPoint(pointer.baseAddress, Int64(range.lowerBound), Int64(range.upperBound))
    }
  }

  /// Default chunk: about four chunks per thread, so that a thread slowed down by other work on
  /// its core hands the rest to the others, while consecutive tiles (which share input planes)
  /// mostly stay on one thread.
  public func defaultChunkSize(threads: Int) -> Int { max(1, tileCount / max(1, threads * 4)) }

  /// Runs all tiles on `pool`, in chunks of `chunkSize` tiles handed out dynamically.
  public func run(_ arguments: [KernelArgument], pool: ThreadPool, chunkSize: Int? = nil) throws {
    let addresses = try addresses(for: arguments)
    let entryPoint = self.entryPoint
    let chunk = chunkSize ?? defaultChunkSize(threads: pool.threadCount)
    addresses.withUnsafeBufferPointer { pointer in
      let base = pointer.baseAddress
      pool.parallelForChunks(0..<tileCount, chunkSize: chunk) { chunk in
        entryPoint(base, Int64(chunk.lowerBound), Int64(chunk.upperBound))
      }
    }
  }

  /// Runs with pre-checked addresses (for hot loops that already validated them once).
  public func runUnchecked(addresses: UnsafePointer<UnsafeMutableRawPointer?>, pool: ThreadPool, chunkSize: Int? = nil) {
    let entryPoint = self.entryPoint
    pool.parallelForChunks(0..<tileCount, chunkSize: chunkSize ?? defaultChunkSize(threads: pool.threadCount)) { chunk in
      entryPoint(addresses, Int64(chunk.lowerBound), Int64(chunk.upperBound))
    }
  }
}
