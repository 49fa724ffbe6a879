// Control of the x86 SSE/AVX floating-point mode (the MXCSR register) for threads that run kernels.
// Case C34: activations that decay into denormals make every FMA take a slow microcode path (7x
// slower), so every kernel thread runs with flush-to-zero (FTZ, results that would be denormal
// become 0) and denormals-are-zero (DAZ, denormal inputs read as 0). Swift has no inline assembly;
// glibc's `fegetenv`/`fesetenv` read and load MXCSR (the `__mxcsr` field of `fenv_t` on x86-64),
// which is all we need, so no C target is required.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum FloatingPointEnvironment {
  /// MXCSR bit 15: results that would be denormal are flushed to zero.
  public static let flushToZeroBit: UInt32 = 0x8000
  /// MXCSR bit 6: denormal operands are treated as zero.
  public static let denormalsAreZeroBit: UInt32 = 0x0040

  /// Whether this build can read and write MXCSR (x86-64 with glibc).
  public static var isControllable: Bool {
    #if arch(x86_64) && canImport(Glibc)
      return true
    #else
      return false
    #endif
  }

  /// The calling thread's MXCSR, or nil where it cannot be read.
  public static func readControlRegister() -> UInt32? {
    #if arch(x86_64) && canImport(Glibc)
      var environment = fenv_t()
      guard fegetenv(&environment) == 0 else { return nil }
      return environment.__mxcsr
    #else
      return nil
    #endif
  }

  /// Loads `value` into the calling thread's MXCSR; returns false where that is not possible.
  @discardableResult
  public static func writeControlRegister(_ value: UInt32) -> Bool {
    #if arch(x86_64) && canImport(Glibc)
      var environment = fenv_t()
      guard fegetenv(&environment) == 0 else { return false }
      environment.__mxcsr = value
      return fesetenv(&environment) == 0
    #else
      return false
    #endif
  }

  /// Turns on FTZ and DAZ for the calling thread and returns the previous MXCSR (nil where not
  /// controllable), so that a caller can restore it with `writeControlRegister`.
  @discardableResult
  public static func enableFlushToZero() -> UInt32? {
    guard let previous = readControlRegister() else { return nil }
    let wanted = previous | flushToZeroBit | denormalsAreZeroBit
    if wanted != previous { writeControlRegister(wanted) }
    return previous
  }

  /// Whether both FTZ and DAZ are set on the calling thread.
  public static var isFlushToZeroEnabled: Bool {
    guard let value = readControlRegister() else { return false }
    return value & (flushToZeroBit | denormalsAreZeroBit) == (flushToZeroBit | denormalsAreZeroBit)
  }

  /// Runs `body` with FTZ and DAZ on, restoring the previous mode afterwards.
  public static func withFlushToZero<Result>(_ body: () throws -> Result) rethrows -> Result {
    let previous = enableFlushToZero()
    defer {
      if let previous, previous & (flushToZeroBit | denormalsAreZeroBit) != (flushToZeroBit | denormalsAreZeroBit) {
        writeControlRegister(previous)
      }
    }
    return try body()
  }
}
