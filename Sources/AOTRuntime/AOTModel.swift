// A compiled model ready to run: its entry points, its description, its memory-mapped weights and
// a 64-byte aligned scratch arena allocated once, plus the thread pool that serves the model's
// parallel-for hook. Inputs are handed to the model by pointer (it copies them into the arena);
// outputs are read where the model leaves them (in the arena, or in an aligned buffer allocated
// once for an output the kernels write in place), whole or a few rows at a time. Arena and
// output buffers get huge-page advice before they are first touched.
import AOTModelABI
import Runtime
import TensorCore

#if canImport(Glibc)
  import Glibc
#endif

public final class AOTModel: @unchecked Sendable {
  public let entryPoints: ModelEntryPoints
  public let description: ModelDescription
  public let weights: WeightsFile
  public let scratch: AlignedBuffer
  public let threads: Int
  private let pool: ThreadPool?
  /// Buffers of the outputs written in place (nil for outputs kept in the arena), by output index.
  private let directOutputs: [AlignedBuffer?]

  /// Loads the weights at `weightsPath` for the model and allocates its arena.
  public init(entryPoints: ModelEntryPoints, weightsPath: String, threads: Int, verifyChecksum: Bool = false) throws {
    guard threads >= 1, threads <= 4096 else { throw AOTRuntimeError.invalidThreadCount(threads) }
    self.entryPoints = entryPoints
    description = try entryPoints.description()
    try CPUFeatures.check(required: description.metadata("cpu_features_required"))
    weights = try WeightsFile(path: weightsPath, verifyChecksum: verifyChecksum)
    try weights.check(fingerprint: description.fingerprint, weightsBytes: description.weightsBytes)
    // Huge pages advised before the first touch (the zero fill here, the kernels' writes to the outputs).
    scratch = try AlignedBuffer(byteCount: max(description.scratchBytes, 1), zeroed: false)
    HugePageAdvice.advise(scratch.baseAddress, byteCount: scratch.byteCount)
    memset(scratch.baseAddress, 0, scratch.byteCount)
    self.threads = threads
    pool = threads > 1 ? try ThreadPool(threads: threads) : nil
    directOutputs = try description.outputs.map { output in
      // Written whole by the kernels on every run, so not zero-filled (840 MiB for STU-Net's logits).
      guard output.scratchOffset == nil else { return nil }
      let buffer = try AlignedBuffer(byteCount: max(output.byteCount, 1), zeroed: false)
      HugePageAdvice.advise(buffer.baseAddress, byteCount: buffer.byteCount)
      return buffer
    }
  }

  /// Runs the network on `inputs` (one tensor per model input, in order) and returns the outputs.
  public func run(_ inputs: [Tensor]) throws -> [Tensor] {
    try runKeepingOutputs(inputs)
    return description.outputs.indices.map { output(at: $0) }
  }

  /// Runs the network and leaves the outputs where the model writes them (read them with
  /// `output(at:)`, `values(ofOutput:from:count:)` or `outputAddress(at:)`).
  public func runKeepingOutputs(_ inputs: [Tensor]) throws {
    guard inputs.count == description.inputs.count else {
      throw AOTRuntimeError.wrongInputCount(expected: description.inputs.count, actual: inputs.count)
    }
    for (tensor, input) in zip(inputs, description.inputs) where tensor.shape != input.shape {
      throw AOTRuntimeError.wrongInputShape(name: input.name, expected: input.shape, actual: tensor.shape)
    }
    // The model copies float inputs itself (pointer given); int64 inputs are converted into the arena here.
    for (tensor, input) in zip(inputs, description.inputs) where input.elementType == .int64 {
      let target = (scratch.baseAddress + (input.scratchOffset ?? 0)).assumingMemoryBound(to: Int64.self)
      for index in 0..<tensor.count { target[index] = Int64(tensor.data[index]) }
    }
    let floatInputs = zip(inputs, description.inputs).map { $1.elementType == .float32 ? $0.data : [] }
    let code = try withPointers(to: floatInputs) { pointers -> Int32 in
      let inputPointers = zip(pointers, description.inputs).map { $1.elementType == .float32 ? $0 : nil }
      return try inputPointers.withUnsafeBufferPointer { try invoke(inputs: $0.baseAddress) }
    }
    guard code == STUNET_OK else { throw AOTRuntimeError.runFailed(code: code) }
  }

  /// Runs with the inputs already in the arena (written through `inputRegion(at:)`).
  public func runInPlace() throws {
    let code = try invoke(inputs: nil)
    guard code == STUNET_OK else { throw AOTRuntimeError.runFailed(code: code) }
  }

  /// The arena bytes of input `index` (row-major), for callers that fill it themselves.
  public func inputRegion(at index: Int) -> UnsafeMutableRawBufferPointer {
    let input = description.inputs[index]
    return UnsafeMutableRawBufferPointer(start: scratch.baseAddress + (input.scratchOffset ?? 0), count: input.byteCount)
  }

  /// Output `index` as a tensor (int64 outputs become whole-number floats).
  public func output(at index: Int) -> Tensor {
    let output = description.outputs[index]
    return Tensor(shape: output.shape, data: values(of: output, at: index, from: 0, count: output.elementCount))
  }

  /// Elements [start, start + count) of output `index`, row-major, as floats.
  public func values(ofOutput index: Int, from start: Int, count: Int) -> [Float] {
    values(of: description.outputs[index], at: index, from: start, count: count)
  }

  /// Output `index` where the model left it, for a float32 output (nil for int64); valid until the
  /// next run.
  public func float32Output(at index: Int) -> UnsafeBufferPointer<Float>? {
    let output = description.outputs[index]
    guard output.elementType == .float32 else { return nil }
    return UnsafeBufferPointer(start: outputAddress(at: index).assumingMemoryBound(to: Float.self), count: output.elementCount)
  }

  /// Where output `index` is after a run.
  public func outputAddress(at index: Int) -> UnsafeRawPointer {
    if let buffer = directOutputs[index] { return UnsafeRawPointer(buffer.baseAddress) }
    return UnsafeRawPointer(scratch.baseAddress + (description.outputs[index].scratchOffset ?? 0))
  }

  private func values(of tensor: ModelTensorDescription, at index: Int, from start: Int, count: Int) -> [Float] {
    let base = outputAddress(at: index)
    switch tensor.elementType {
    case .float32:
      return Array(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self) + start, count: count))
    case .int64:
      let source = base.assumingMemoryBound(to: Int64.self) + start
      return (0..<count).map { Float(source[$0]) }
    }
  }

  private func invoke(inputs: UnsafePointer<UnsafeRawPointer?>?) throws -> Int32 {
    let hook: stunet_parallel_for_fn? = pool == nil ? nil : ParallelForHook.function
    let context = pool.map { ParallelForHook.context(for: $0) }
    let outputs = directOutputs.map { $0?.baseAddress }
    return withExtendedLifetime(pool) {
      outputs.withUnsafeBufferPointer { outputPointers in
        entryPoints.run(weights.blob, inputs, outputPointers.baseAddress, scratch.baseAddress, hook, context)
      }
    }
  }

  private func withPointers<Result>(
    to arrays: [[Float]], _ body: ([UnsafeRawPointer?]) throws -> Result
  ) rethrows -> Result {
    func recurse(_ index: Int, _ collected: [UnsafeRawPointer?]) throws -> Result {
      guard index < arrays.count else { return try body(collected) }
      return try arrays[index].withUnsafeBufferPointer { buffer in
        try recurse(index + 1, collected + [UnsafeRawPointer(buffer.baseAddress)])
      }
    }
    return try recurse(0, [])
  }
}
