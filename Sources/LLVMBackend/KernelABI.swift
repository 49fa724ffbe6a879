// The calling convention shared by every generated kernel, so that the runtime (and the AOT
// executable) can call any kernel the same way:
//
//     void kernel(void *const *buffers, int64_t tileBegin, int64_t tileEnd);
//
// `buffers` holds the kernel's buffer addresses in the order of its `KernelBufferDescriptor`s;
// tiles tileBegin..<tileEnd are computed. Tiles write disjoint outputs, so any split of
// 0..<tileCount across threads gives the same result bit for bit.

public typealias KernelEntryPoint = @convention(c) (UnsafePointer<UnsafeMutableRawPointer?>?, Int64, Int64) -> Void

public enum KernelElementType: String, Hashable, Sendable {
  case float32, float64

  public var byteSize: Int { self == .float32 ? 4 : 8 }
}

/// One buffer argument: its role, element type and the number of elements the kernel touches.
public struct KernelBufferDescriptor: Hashable, Sendable, CustomStringConvertible {
  public enum Access: String, Hashable, Sendable { case read, write, readWrite }

  public var name: String
  public var elementType: KernelElementType
  public var elementCount: Int
  public var access: Access

  public init(name: String, elementType: KernelElementType = .float32, elementCount: Int, access: Access) {
    self.name = name
    self.elementType = elementType
    self.elementCount = elementCount
    self.access = access
  }

  public var byteCount: Int { elementCount * elementType.byteSize }
  public var description: String { "\(name): \(elementType.rawValue)[\(elementCount)] \(access.rawValue)" }
}

/// An address passed to a kernel together with what it holds, so calls can be checked.
public struct KernelArgument {
  public let address: UnsafeMutableRawPointer?
  public let elementType: KernelElementType
  public let elementCount: Int

  public init(address: UnsafeMutableRawPointer?, elementType: KernelElementType, elementCount: Int) {
    self.address = address
    self.elementType = elementType
    self.elementCount = elementCount
  }

  public static func floats(_ buffer: UnsafeMutableBufferPointer<Float>) -> KernelArgument {
    KernelArgument(address: UnsafeMutableRawPointer(buffer.baseAddress), elementType: .float32, elementCount: buffer.count)
  }

  public static func floats(_ buffer: UnsafeBufferPointer<Float>) -> KernelArgument {
    KernelArgument(address: UnsafeMutableRawPointer(mutating: buffer.baseAddress), elementType: .float32, elementCount: buffer.count)
  }

  public static func doubles(_ buffer: UnsafeMutableBufferPointer<Double>) -> KernelArgument {
    KernelArgument(address: UnsafeMutableRawPointer(buffer.baseAddress), elementType: .float64, elementCount: buffer.count)
  }
}

/// What every kernel generator provides: its symbol, its tile count and buffers, and its body.
public protocol KernelGenerator {
  /// The C symbol of the kernel (unique within one compilation).
  var kernelName: String { get }
  /// Tiles 0..<tileCount make up one full execution.
  var tileCount: Int { get }
  /// Buffer arguments, in the order of the `buffers` array.
  var buffers: [KernelBufferDescriptor] { get }
  /// Floating-point operations of one full execution (for GFLOP/s reports).
  var flopCount: Int { get }
  /// Emits the body; `builder` is positioned in the kernel function, with buffers as arguments.
  func emitBody(_ builder: KernelFunctionBuilder) throws
}
