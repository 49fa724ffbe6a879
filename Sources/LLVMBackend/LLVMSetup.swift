// One-time initialisation of LLVM's native (host) target, asm printer and asm parser, which the
// target machine, the JIT and the object/assembly emitters all need.
import CLLVM

enum LLVMSetup {
  private static let initialized: Bool = {
    LLVMInitializeNativeTarget()
    LLVMInitializeNativeAsmPrinter()
    LLVMInitializeNativeAsmParser()
    return true
  }()

  static func initializeNativeTarget() {
    _ = initialized
  }
}
