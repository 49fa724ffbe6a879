// Errors of the AOT runtime (loading a bundle's weights, running its model), with messages that
// say what failed, where, and what to do.

public enum AOTRuntimeError: Error, CustomStringConvertible, Equatable {
  case noLinkedModel
  case unsupportedABI(found: Int, expected: Int)
  case unreadableWeights(path: String, reason: String)
  case malformedWeights(path: String, reason: String)
  case weightsMismatch(path: String, fileFingerprint: String, modelFingerprint: String)
  case weightsSizeMismatch(path: String, fileBytes: Int, modelBytes: Int)
  case checksumMismatch(path: String)
  case wrongInputCount(expected: Int, actual: Int)
  case wrongInputShape(name: String, expected: [Int], actual: [Int])
  case unsupportedElementType(name: String, code: Int)
  case runFailed(code: Int32)
  case libraryNotLoaded(path: String, reason: String)
  case invalidThreadCount(Int)
  case missingCPUFeatures([String])
  case notSegmentationModel(inputs: [[Int]], outputs: [[Int]])

  public var description: String {
    switch self {
    case .noLinkedModel:
      return "this runner has no model linked into it; make one with `stunetc compile ... -o DIR` and run DIR/stunet-model"
    case .unsupportedABI(let found, let expected):
      return "the model was compiled for AOT ABI \(found), this runtime speaks \(expected); recompile it with this stunetc"
    case .unreadableWeights(let path, let reason):
      return "cannot read the weights file \(path): \(reason); pass --weights with the weights.bin of the bundle"
    case .malformedWeights(let path, let reason):
      return "\(path) is not a stunetc weights file: \(reason); regenerate it with `stunetc compile -o DIR`"
    case .weightsMismatch(let path, let fileFingerprint, let modelFingerprint):
      return
        "\(path) belongs to another model (fingerprint \(fileFingerprint), this model is \(modelFingerprint)); use the weights.bin written next to this model"
    case .weightsSizeMismatch(let path, let fileBytes, let modelBytes):
      return "\(path) holds \(fileBytes) bytes of weights but the model needs \(modelBytes); the file is truncated or from another model"
    case .checksumMismatch(let path):
      return "the weights in \(path) do not match their checksum: the file is damaged; copy it again from the bundle"
    case .wrongInputCount(let expected, let actual):
      return "the model takes \(expected) input(s), \(actual) given"
    case .wrongInputShape(let name, let expected, let actual):
      return
        "input '\(name)' has shape \(actual) but the model was compiled for \(expected); recompile with --input-shape \(actual.map(String.init).joined(separator: ","))"
    case .unsupportedElementType(let name, let code):
      return "tensor '\(name)' has element type code \(code), which this runtime does not know; update the runner"
    case .runFailed(let code):
      return "stunet_model_run returned \(code) (1: misaligned weights, 2: misaligned scratch, -1: no model linked)"
    case .libraryNotLoaded(let path, let reason):
      return "cannot load the model library \(path): \(reason)"
    case .invalidThreadCount(let count):
      return "thread count \(count) is out of range: give 1...4096"
    case .notSegmentationModel(let inputs, let outputs):
      return
        "segmenting needs a model with one input [1, C, p0, p1, p2] and one float output [1, K, p0, p1, p2]; this one has inputs \(inputs) and outputs \(outputs)"
    case .missingCPUFeatures(let features):
      return
        "this CPU lacks \(features.joined(separator: ", ")), which the model was compiled for; recompile it on (or for, with --target-cpu) this machine"
    }
  }
}
