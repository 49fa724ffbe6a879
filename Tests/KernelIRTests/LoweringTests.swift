// Lowering: the structure of the kernel programs (which kernels, layouts, fusions) for STU-Net
// and for a graph with every op kind, and its errors.
import DSL
import GraphIR
import KernelIR
import XCTest

final class LoweringTests: XCTestCase {
  static let tiny = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)

  func testEveryOpGraphFileIsCurrent() throws {
    try KernelTestSupport.assertMatchesFile(Printer.print(try EveryOpGraph.build()), "kernels/graphs/every_op.ir")
  }

  func testUnoptimisedSTUNetLowersToFusedKernels() throws {
    let graph = try STUNet(Self.tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph
    let program = try Lowering.lower(graph, target: .avx2)
    let kinds = program.kernels.map(\.kind)
    let nodeKinds = graph.nodes.compactMap(\.kind)
    // Every conv but the four dead heads is one kernel; every instance norm one norm_act kernel.
    XCTAssertEqual(kinds.filter(\.isConvolution).count, nodeKinds.filter { $0 == .conv3d }.count - 4)
    XCTAssertEqual(kinds.filter { $0 == .normAct }.count, nodeKinds.filter { $0 == .instanceNorm }.count)
    // Concats, upsamples, adds and activations disappear into other kernels.
    for absent in [KernelKind.concat, .upsampleNearest, .add, .leakyRelu, .copy, .channelStats] {
      XCTAssertFalse(kinds.contains(absent), "\(absent.rawValue) should be fused away")
    }
    XCTAssertEqual(program.kernels.first?.kind, .conv3dFirst)
    XCTAssertEqual(program.buffer(named: "input")?.layout, .rowMajor)
    XCTAssertEqual(program.outputs, ["seg_outputs.4"])
    let head = try XCTUnwrap(program.buffer(named: "seg_outputs.4"))
    XCTAssertEqual(head.layout, .rowMajor)
    XCTAssertEqual(head.kind, .output)
    for buffer in program.buffers where buffer.kind == .activation && buffer.type.rank == 5 {
      XCTAssertEqual(buffer.layout, .channelBlocked(8), buffer.name)
    }
    // Decoder convs read [upsampled, skip] as two input segments with a weight packed for them.
    let decoderConv = try XCTUnwrap(program.kernels.first { $0.inputs("input").count == 2 && $0.kind == .conv3dDirect })
    let weight = try XCTUnwrap(program.buffer(named: decoderConv.input("weight") ?? ""))
    XCTAssertEqual(weight.segments?.count, 2)
    XCTAssertEqual(weight.layout, .packedConvWeight(inputBlock: 8, outputBlock: 8))
    // The upsample layers' 1x1 convs read through the upsampling.
    XCTAssertEqual(program.kernels.filter { $0.attributes["upsample"] != nil }.count, 5)
    // Tiles and costs are filled in.
    for kernel in program.kernels {
      XCTAssertNotNil(kernel.ints("tile"))
      XCTAssertNotNil(kernel.ints("threads"))
      XCTAssertGreaterThan(kernel.bytesMoved, 0)
    }
    XCTAssertEqual(program.totalFlops > 0, true)
  }

  func testDeadKernelsStayWhenAskedAndTheirResultsGetMemory() throws {
    let graph = try STUNet(Self.tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph
    let kept = try Lowering.lower(graph, target: .avx2, options: LoweringOptions(eliminateDeadKernels: false))
    let dropped = try Lowering.lower(graph, target: .avx2)
    XCTAssertEqual(kept.kernels.count, dropped.kernels.count + 4)
    for head in 0..<4 {
      let buffer = try XCTUnwrap(kept.buffer(named: "seg_outputs.\(head)"))
      let live = try XCTUnwrap(buffer.live)
      XCTAssertEqual(live.first, live.last, "an unread result is live for its producer only")
    }
  }

  func testEveryOpGraphLowersWithEachPath() throws {
    let graph = try Parser.parse(String(contentsOf: KernelTestSupport.irFile("kernels/graphs/every_op.ir"), encoding: .utf8))
    let program = try Lowering.lower(graph, target: .avx2)
    func kernel(writing name: String) -> Kernel? { program.kernels.first { $0.writtenBuffers.contains(name) } }
    XCTAssertEqual(kernel(writing: "c1")?.kind, .conv3dFirst)
    XCTAssertEqual(kernel(writing: "c1")?.output("stats"), "c1.stats")
    XCTAssertEqual(kernel(writing: "c2")?.kind, .conv3dDirect)
    XCTAssertEqual(kernel(writing: "a2")?.kind, .normAct)
    XCTAssertEqual(kernel(writing: "a2")?.input("residual"), "p")
    XCTAssertEqual(kernel(writing: "up")?.kind, .upsampleNearest)
    XCTAssertEqual(kernel(writing: "c3")?.inputs("input"), ["up", "a1"], "joined is eliminated")
    XCTAssertNil(program.buffer(named: "joined"))
    XCTAssertEqual(kernel(writing: "q")?.ints("upsample"), [2, 1, 2])
    XCTAssertNil(program.buffer(named: "up2"))
    XCTAssertEqual(program.buffer(named: "qa")?.kind, .view(base: "viewed", channelOffset: 0), "producer retargeted")
    XCTAssertEqual(kernel(writing: "viewed.part1")?.kind, .copy, "a1 has other users: copied into its view")
    XCTAssertEqual(kernel(writing: "unaligned")?.kind, .concat, "3 + 4 channels do not start on blocks of 8")
    XCTAssertEqual(kernel(writing: "spatial")?.kind, .concat)
    XCTAssertEqual(program.buffer(named: "spatial")?.layout, .rowMajor)
    XCTAssertEqual(program.buffer(named: "labels")?.type.dtype, .i64)
    XCTAssertEqual(kernel(writing: "x.stats")?.kind, .channelStats)
    XCTAssertEqual(kernel(writing: "pair")?.kind, .normAct)
    XCTAssertEqual(kernel(writing: "pair")?.input("residual"), "lone")
    XCTAssertEqual(kernel(writing: "twice")?.kind, .add)
    XCTAssertEqual(kernel(writing: "twice")?.float("slope"), 0.01)
    XCTAssertEqual(kernel(writing: "lone")?.kind, .leakyRelu)
    XCTAssertEqual(kernel(writing: "fused.pre")?.inputs("input"), ["a1", "x.NCDHW8c"], "x converted to a1's layout")
    XCTAssertEqual(kernel(writing: "x.NCDHW8c")?.kind, .copy)
    XCTAssertEqual(kernel(writing: "fused")?.kind, .normAct)
    XCTAssertEqual(kernel(writing: "plain")?.kind, .conv3dPointwise)
    XCTAssertEqual(kernel(writing: "plain")?.input("residual"), "a1")
    XCTAssertEqual(kernel(writing: "x.out")?.kind, .copy, "a graph input returned as output is copied out")
    XCTAssertEqual(program.outputs, ["probabilities", "labels", "spatial_softmax", "pair", "twice", "plain", "x.out"])
  }

  func testScalarTargetKeepsEveryActivationRowMajor() throws {
    let graph = try STUNet(Self.tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph
    let program = try Lowering.lower(graph, target: .scalar)
    XCTAssertTrue(program.buffers.filter { !$0.kind.isWeight }.allSatisfy { $0.layout == .rowMajor })
    XCTAssertFalse(program.kernels.contains { $0.kind == .conv3dFirst })
  }

  func testUnfusedLoweringEmitsOneKernelPerNode() throws {
    let graph = try STUNet(Self.tiny).graph(inputShape: [1, 1, 32, 32, 64]).graph
    let program = try Lowering.lower(graph, target: .avx2, options: LoweringOptions(fuse: false))
    let kinds = program.kernels.map(\.kind)
    XCTAssertEqual(kinds.filter { $0 == .concat }.count, 5)
    XCTAssertEqual(kinds.filter { $0 == .channelStats }.count, kinds.filter { $0 == .normAct }.count)
    XCTAssertEqual(kinds.filter { $0 == .upsampleNearest }.count, 5)
  }

  func testComputedWeightsAreRejectedWithAMessage() throws {
    let text = """
      graph @g {
        input %x : f32[1,2,4,4,4]
        input %w : f32[2,2,1,1,1]
        %y = conv3d(%x, %w) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,2,4,4,4]
        output %y
      }
      """
    XCTAssertThrowsError(try Lowering.lower(try Parser.parse(text), target: .avx2)) { error in
      XCTAssertTrue("\(error)".contains("must be a graph parameter"), "\(error)")
      XCTAssertTrue("\(error)".contains("conv3d %y"), "\(error)")
    }
  }
}
