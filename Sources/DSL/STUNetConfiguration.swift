// The configuration of an STU-Net variant: widths and depths per stage, downsampling strides,
// kernel sizes, input channels and classes. The four official presets use the TotalSegmentator
// setup (STUNET.md §1): 1 input channel, 105 classes, strides (2,2,2)x4 then (1,1,2), kernels 3^3.

public struct STUNetConfiguration: Hashable, Sendable, CustomStringConvertible {
  /// Channels per stage 0..5.
  public var widths: [Int]
  /// Residual blocks per stage 0..5 (the decoder uses the same depth as the encoder at each level).
  public var depths: [Int]
  /// Per-axis stride of each downsampling 1..5 (`pool_op_kernel_sizes`).
  public var strides: [[Int]]
  /// Per-axis kernel size of each stage 0..5 (`conv_kernel_sizes`); padding is k // 2.
  public var kernelSizes: [[Int]]
  public var inputChannels: Int
  public var numClasses: Int

  public init(
    widths: [Int], depths: [Int], strides: [[Int]] = STUNetConfiguration.totalSegmentatorStrides,
    kernelSizes: [[Int]]? = nil, inputChannels: Int = 1, numClasses: Int = 105
  ) {
    self.widths = widths
    self.depths = depths
    self.strides = strides
    self.kernelSizes = kernelSizes ?? Array(repeating: [3, 3, 3], count: widths.count)
    self.inputChannels = inputChannels
    self.numClasses = numClasses
  }

  public static let totalSegmentatorStrides: [[Int]] = [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]]

  public static let small = STUNetConfiguration(widths: [16, 32, 64, 128, 256, 256], depths: [1, 1, 1, 1, 1, 1])
  public static let base = STUNetConfiguration(widths: [32, 64, 128, 256, 512, 512], depths: [1, 1, 1, 1, 1, 1])
  public static let large = STUNetConfiguration(
    widths: [64, 128, 256, 512, 1024, 1024], depths: [2, 2, 2, 2, 2, 2])
  public static let huge = STUNetConfiguration(
    widths: [96, 192, 384, 768, 1536, 1536], depths: [3, 3, 3, 3, 3, 3])

  /// The official presets by their letter.
  public static let presets: [(name: String, configuration: STUNetConfiguration)] = [
    ("S", .small), ("B", .base), ("L", .large), ("H", .huge),
  ]

  public static func preset(named name: String) -> STUNetConfiguration? {
    let key = name.uppercased()
    let aliases = ["SMALL": "S", "BASE": "B", "LARGE": "L", "HUGE": "H"]
    let letter = aliases[key] ?? key
    return presets.first { $0.name == letter }?.configuration
  }

  /// The preset letter this configuration equals, if any.
  public var presetName: String? {
    STUNetConfiguration.presets.first { $0.configuration == self }?.name
  }

  public var stageCount: Int { widths.count }

  /// Product of strides per axis: input sizes must be divisible by it.
  public var totalStride: [Int] {
    (0..<3).map { axis in strides.reduce(1) { $0 * $1[axis] } }
  }

  public var description: String {
    let name = presetName.map { "STU-Net-\($0)" } ?? "custom STU-Net"
    return
      "\(name): widths \(widths), depths \(depths), strides \(strides), kernels \(kernelSizes), in \(inputChannels), classes \(numClasses)"
  }

  /// Checks the configuration; the message says which field is wrong and why.
  public func validate() throws {
    func fail(_ message: String) -> STUNetError { .invalidConfiguration(message) }
    guard widths.count >= 2 else { throw fail("needs at least 2 stages, got \(widths.count) widths") }
    guard depths.count == widths.count else {
      throw fail("\(widths.count) widths but \(depths.count) depths: give one depth per stage")
    }
    guard strides.count == widths.count - 1 else {
      throw fail("\(widths.count) stages need \(widths.count - 1) strides (one per downsampling), got \(strides.count)")
    }
    guard kernelSizes.count == widths.count else {
      throw fail("\(widths.count) stages need \(widths.count) kernel sizes, got \(kernelSizes.count)")
    }
    if let bad = widths.first(where: { $0 < 1 }) { throw fail("width \(bad) must be ≥ 1") }
    if let bad = depths.first(where: { $0 < 1 }) { throw fail("depth \(bad) must be ≥ 1") }
    for stride in strides where stride.count != 3 || stride.contains(where: { $0 < 1 }) {
      throw fail("stride \(stride) must be 3 integers ≥ 1")
    }
    for kernel in kernelSizes where kernel.count != 3 || kernel.contains(where: { $0 < 1 || $0 % 2 == 0 }) {
      throw fail("kernel size \(kernel) must be 3 odd integers ≥ 1")
    }
    guard inputChannels >= 1 else { throw fail("input channels must be ≥ 1, got \(inputChannels)") }
    guard numClasses >= 1 else { throw fail("classes must be ≥ 1, got \(numClasses)") }
  }
}

public enum STUNetError: Error, CustomStringConvertible, Equatable {
  case invalidConfiguration(String)
  case invalidInputShape([Int], String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let message): return "invalid STU-Net configuration: \(message)"
    case .invalidInputShape(let shape, let message): return "invalid input shape \(shape): \(message)"
    }
  }
}
