// stunet-model: the standalone executable of an AOT bundle (the runner linked with model.o by
// `stunetc compile -o DIR`). It needs no LLVM and no Swift toolchain; its weights are DIR's
// weights.bin, memory-mapped.
#if canImport(Glibc)
import Glibc
#endif

exit(RunnerTool.main(Array(CommandLine.arguments.dropFirst())))
