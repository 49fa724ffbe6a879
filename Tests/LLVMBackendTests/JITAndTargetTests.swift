// The LLVM plumbing: target description from the host with overrides, JIT of a trivial kernel
// written against the public IR-building API, the FMA probe computed exactly, and emission of
// LLVM IR, assembly and object code from the same module.
import Foundation
import LLVMBackend
import Runtime
import XCTest

/// A minimal kernel: y[i] = 2 * x[i] + 1 for i in the tile range (one element per tile).
struct AffineTestKernel: KernelGenerator {
  let count: Int
  var kernelName: String { "test_affine_\(count)" }
  var tileCount: Int { count }
  var flopCount: Int { 2 * count }
  var buffers: [KernelBufferDescriptor] {
    [KernelBufferDescriptor(name: "x", elementCount: count, access: .read), KernelBufferDescriptor(name: "y", elementCount: count, access: .write)]
  }
  func emitBody(_ b: KernelFunctionBuilder) throws {
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { i in
      let x = b.loadFloat(b.bufferArguments[0], i)
      b.storeFloat(b.fadd(b.fmul(x, b.floatConstant(2)), b.floatConstant(1)), b.bufferArguments[1], i)
    }
  }
}

final class JITAndTargetTests: XCTestCase {
  func testHostTargetReportsConsistentFeatures() {
    let host = TargetDescription.host()
    XCTAssertFalse(host.cpu.isEmpty)
    XCTAssertTrue(host.triple.contains("x86_64") || host.triple.contains("aarch64"))
    XCTAssertEqual(host.hasAVX512F, host.features.split(separator: ",").contains("+avx512f"))
    // The feature override wins over the host's list.
    let withoutAVX512 = TargetDescription.host(featureOverride: "-avx512f")
    XCTAssertFalse(withoutAVX512.hasAVX512F)
    XCTAssertEqual(withoutAVX512.hasAVX2, host.hasAVX2)
  }

  func testCPUOverrideReplacesHostFeatures() {
    let zen3 = TargetDescription.host(cpuOverride: "znver3")
    XCTAssertEqual(zen3.cpu, "znver3")
    XCTAssertTrue(zen3.hasAVX2)
    XCTAssertTrue(zen3.hasFMA)
    XCTAssertFalse(zen3.hasAVX512F)
    let unknown = TargetDescription.host(cpuOverride: "x86-64", featureOverride: "+avx2,+fma")
    XCTAssertTrue(unknown.hasAVX2)
    XCTAssertFalse(unknown.hasAVX512F)
    XCTAssertFalse(TargetDescription(triple: "x86_64-pc-linux-gnu", cpu: "x", features: "+avx2,-avx2").hasAVX2)
  }

  func testTrivialKernelRunsThroughTheJIT() throws {
    let generator = AffineTestKernel(count: 37)
    let kernel = try TestSupport.compiler.compile(generator)
    var x = (0..<37).map { Float($0) - 5 }
    var y = [Float](repeating: -99, count: 37)
    try x.withUnsafeMutableBufferPointer { xs in
      try y.withUnsafeMutableBufferPointer { ys in
        try kernel.run([.floats(xs), .floats(ys)], tiles: 0..<20)
        try kernel.run([.floats(xs), .floats(ys)], tiles: 20..<37)
      }
    }
    XCTAssertEqual(y, x.map { 2 * $0 + 1 })
    // Wrong buffer sizes are refused before the call.
    var short = [Float](repeating: 0, count: 3)
    XCTAssertThrowsError(try short.withUnsafeMutableBufferPointer { s in try kernel.run([.floats(s), .floats(s)]) })
  }

  func testPeakProbeComputesFusedMultiplyAddsExactly() throws {
    let probe = PeakThroughputProbe(iterations: 10, tiles: 2)
    let kernel = try TestSupport.compiler.compile(probe)
    var sink = [Float](repeating: 0, count: 16)
    try sink.withUnsafeMutableBufferPointer { try kernel.run([.floats($0)]) }
    var expected: Float = 0
    for chain in 0..<PeakThroughputProbe.chains {
      var value = Float(chain) * 0.001
      for _ in 0..<10 { value = Float(1e-7).addingProduct(value, 0.999_999) }
      expected = chain == 0 ? value : expected + value
    }
    for lane in 0..<16 { XCTAssertEqual(sink[lane], expected, accuracy: 1e-6) }
  }

  func testEmitsLLVMIRAssemblyAndObjectForOneModule() throws {
    let generator = try Convolution3DKernel(
      Convolution3DSpec(name: "emit_conv", inputChannels: 8, outputChannels: 16, inputExtent: Extent3(4, 4, 8)))
    let compiler = TestSupport.compiler
    let module = try compiler.buildModule([generator], name: "emission_test")
    let ir = try module.llvmIR()
    XCTAssertTrue(ir.contains("define void @emit_conv(ptr"), "IR lacks the kernel entry point")
    XCTAssertTrue(ir.contains("<8 x float>"))
    let assembly = try module.assembly()
    XCTAssertTrue(assembly.contains("emit_conv"))
    if compiler.target.hasFMA { XCTAssertTrue(assembly.contains("vfmadd"), "no FMA instructions in the assembly") }
    if !compiler.target.hasAVX512F { XCTAssertFalse(assembly.contains("zmm"), "AVX-512 registers used on a target without AVX-512") }
    let object = try module.objectFile()
    XCTAssertGreaterThan(object.count, 64)
    XCTAssertEqual(Array(object.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "not an ELF object")
    // The module is still usable by the JIT after emission.
    try compiler.jit.add(module)
    XCTAssertNotNil(try compiler.jit.address(of: "emit_conv"))
    XCTAssertThrowsError(try module.llvmIR(), "a consumed module must refuse further use")
  }

  func testDuplicateKernelNameIsATypedError() throws {
    let compiler = try KernelCompiler()
    _ = try compiler.compile(AffineTestKernel(count: 3))
    XCTAssertThrowsError(try compiler.compile(AffineTestKernel(count: 3))) { error in
      guard case BackendError.jitAddModuleFailed = error else { return XCTFail("unexpected error \(error)") }
    }
  }

  func testWritesEachEmissionKindToAFile() throws {
    let module = try TestSupport.compiler.buildModule([AffineTestKernel(count: 5)], name: "file_emission")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stunetc-emit-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for kind in KernelModule.EmissionKind.allCases {
      let path = directory.appendingPathComponent("kernel.\(kind.fileExtension)").path
      try module.write(kind, to: path)
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      XCTAssertGreaterThan(data.count, 0, "\(kind) file is empty")
      if kind == .llvm { XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("define void @test_affine_5")) }
      if kind == .object { XCTAssertEqual(Array(data.prefix(4)), [0x7F, 0x45, 0x4C, 0x46]) }
    }
    XCTAssertThrowsError(try module.write(.llvm, to: directory.appendingPathComponent("missing/dir/x.ll").path))
  }

  func testUnknownSymbolIsATypedError() {
    XCTAssertThrowsError(try TestSupport.compiler.jit.address(of: "no_such_kernel")) { error in
      guard case BackendError.symbolNotFound = error else { return XCTFail("unexpected error \(error)") }
    }
  }
}
