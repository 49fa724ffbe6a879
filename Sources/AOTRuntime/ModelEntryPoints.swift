// The two functions of a compiled model (AOTModelABI/include/stunet_model_abi.h), taken either
// from the model linked into this executable (the stunet-model runner) or from a shared library
// built from a bundle's model.o (`clang -shared model.o`), loaded with dlopen.
import AOTModelABI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public typealias ModelRunFunction = @convention(c) (
  UnsafeRawPointer?, UnsafePointer<UnsafeRawPointer?>?, UnsafePointer<UnsafeMutableRawPointer?>?,
  UnsafeMutableRawPointer?, stunet_parallel_for_fn?, UnsafeMutableRawPointer?
) -> Int32

public typealias ModelDescribeFunction = @convention(c) () -> UnsafePointer<stunet_model_description>?

public struct ModelEntryPoints: @unchecked Sendable {
  public let run: ModelRunFunction
  public let describe: ModelDescribeFunction
  /// The dlopen handle that keeps a loaded library's code mapped (nil for the linked model).
  private let library: LoadedLibrary?

  public init(run: ModelRunFunction, describe: ModelDescribeFunction) {
    self.run = run
    self.describe = describe
    library = nil
  }

  /// The model linked into this executable; throws when only the runner's weak stand-ins are there.
  public static func linked() throws -> ModelEntryPoints {
    let entryPoints = ModelEntryPoints(run: stunet_model_run, describe: stunet_model_describe)
    guard entryPoints.describe() != nil else { throw AOTRuntimeError.noLinkedModel }
    return entryPoints
  }

  /// A model in a shared library (for example `clang -shared DIR/model.o -o libmodel.so`).
  public static func library(at path: String) throws -> ModelEntryPoints {
    let library = try LoadedLibrary(path: path)
    let run = try library.symbol("stunet_model_run", as: ModelRunFunction.self)
    let describe = try library.symbol("stunet_model_describe", as: ModelDescribeFunction.self)
    return ModelEntryPoints(run: run, describe: describe, library: library)
  }

  private init(run: ModelRunFunction, describe: ModelDescribeFunction, library: LoadedLibrary) {
    self.run = run
    self.describe = describe
    self.library = library
  }

  /// The model's description, checked for this runtime's ABI version.
  public func description() throws -> ModelDescription {
    guard let raw = describe() else { throw AOTRuntimeError.noLinkedModel }
    return try ModelDescription(raw)
  }
}

/// A dlopen'ed library, closed when the last reference goes.
final class LoadedLibrary: @unchecked Sendable {
  let path: String
  let handle: UnsafeMutableRawPointer

  init(path: String) throws {
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      throw AOTRuntimeError.libraryNotLoaded(path: path, reason: dlerror().map { String(cString: $0) } ?? "unknown error")
    }
    self.path = path
    self.handle = handle
  }

  deinit { dlclose(handle) }

  func symbol<Function>(_ name: String, as type: Function.Type) throws -> Function {
    guard let address = dlsym(handle, name) else {
      throw AOTRuntimeError.libraryNotLoaded(path: path, reason: "it has no symbol \(name)")
    }
    return unsafeBitCast(address, to: type)
  }
}
