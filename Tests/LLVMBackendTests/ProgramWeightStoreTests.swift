// Weights handed to the JIT in a WeightStore are taken out once packed (so the host copy can be
// freed during compilation), except those a kernel running in the interpreter still reads; the
// results are the same as with a dictionary.
import GraphIR
import KernelIR
import LLVMBackend
import TensorCore
import XCTest

final class ProgramWeightStoreTests: XCTestCase {
  func testPackedWeightsLeaveTheStoreAndInterpretedOnesStay() throws {
    let fixture = try ProgramOperationTests.everyOp()
    let store = WeightStore(fixture.weights)
    let jit = try JITProgram(program: fixture.program, weightStore: store, options: JITProgramOptions(threads: 2))
    XCTAssertTrue(store.isEmpty, "every weight was packed and released: \(store.names)")
    let outputs = try jit.run(inputs: fixture.inputs)
    for name in fixture.program.outputs {
      ProgramTestSupport.assertClose(outputs[name], fixture.reference[name], name)
    }

    let keptStore = WeightStore(fixture.weights)
    let mixed = try JITProgram(
      program: fixture.program, weightStore: keptStore, options: JITProgramOptions(threads: 2, interpretedKinds: [.conv3dDirect]))
    var expected: Set<String> = []
    for kernel in fixture.program.kernels where kernel.kind == .conv3dDirect {
      for operand in kernel.inputs {
        if case .weight(let parameter)? = fixture.program.buffer(named: operand.buffer)?.kind { expected.insert(parameter) }
      }
    }
    XCTAssertFalse(expected.isEmpty)
    XCTAssertEqual(Set(keptStore.names), expected, "only the interpreted convolutions' weights remain")
    let mixedOutputs = try mixed.run(inputs: fixture.inputs)
    for name in fixture.program.outputs {
      ProgramTestSupport.assertClose(mixedOutputs[name], fixture.reference[name], name)
    }
  }
}
