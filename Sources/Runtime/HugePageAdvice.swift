// Asks the kernel to back large fresh memory (the arena, the output arrays of the JIT and of the
// AOT runtime) with transparent huge pages before it is first touched. Writing hundreds of MiB
// into fresh 4 KiB pages costs one page fault per 4 KiB (measured here: ~150 ms for STU-Net-S's 110 MB of logits at
// 64^3, more than the head convolution itself); with 2 MiB pages it is 512 times fewer faults.
// Only advice: where THP is off (or not Linux) nothing changes.
#if canImport(Glibc)
import Glibc
#endif

public enum HugePageAdvice {
  public static let hugePageBytes = 2 << 20

  /// Advises huge pages for the whole 2 MiB pages inside [pointer, pointer + byteCount).
  public static func advise(_ pointer: UnsafeMutableRawPointer?, byteCount: Int) {
    #if canImport(Glibc)
      guard let pointer, byteCount >= 2 * hugePageBytes else { return }
      let start = (Int(bitPattern: pointer) + hugePageBytes - 1) / hugePageBytes * hugePageBytes
      let end = (Int(bitPattern: pointer) + byteCount) / hugePageBytes * hugePageBytes
      guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
      _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
  }
}
