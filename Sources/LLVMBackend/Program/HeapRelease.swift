// Gives the heap memory that LLVM's optimiser and code generator used while compiling a program
// back to the operating system (glibc keeps freed chunks otherwise), so the resident set of a
// compiled model is its arena, weights and code, not the compiler's high-water mark. glibc's
// malloc_trim is looked up at run time (Swift's Glibc module does not export malloc.h).
#if canImport(Glibc)
import Glibc
#endif

enum HeapRelease {
  private typealias MallocTrim = @convention(c) (Int) -> Int32

  static func afterCompilation() {
    #if canImport(Glibc)
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
      _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    #endif
  }
}
