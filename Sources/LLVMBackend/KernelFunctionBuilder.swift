// The IR-building layer shared by all kernel generators: it creates a kernel's entry point with the
// common ABI (see KernelABI.swift) around an always-inlined body whose buffer parameters are
// `noalias`, and offers the few constructs generators need: 64-bit index arithmetic, loops with
// constant or computed bounds (phi-based, so LLVM sees exact trip counts when the bounds are
// constants), <8 x float> loads/stores/broadcasts, FMA (llvm.fma when the target has FMA, else
// llvm.fmuladd), and stack variables that SROA turns into registers.
import CLLVM

public typealias IRValue = LLVMValueRef

public final class KernelFunctionBuilder {
  public static let lanes = 8
  /// LLVMAttributeFunctionIndex (~0U), which Swift imports as a plain Int.
  static let functionAttributeIndex = LLVMAttributeIndex.max

  public let target: TargetDescription
  let context: LLVMContextRef
  let module: LLVMModuleRef
  let builder: LLVMBuilderRef
  private let allocaBuilder: LLVMBuilderRef
  let function: LLVMValueRef
  private let entryBlock: LLVMBasicBlockRef
  private let startBlock: LLVMBasicBlockRef

  let voidType: LLVMTypeRef
  let int1Type: LLVMTypeRef
  let int32Type: LLVMTypeRef
  let int64Type: LLVMTypeRef
  let floatType: LLVMTypeRef
  let doubleType: LLVMTypeRef
  let pointerType: LLVMTypeRef
  let floatVectorType: LLVMTypeRef
  let doubleVectorType: LLVMTypeRef

  /// Buffer base addresses, in the order of the generator's descriptors.
  public private(set) var bufferArguments: [IRValue] = []
  public let tileBegin: IRValue
  public let tileEnd: IRValue
  private var intrinsicCache: [String: (function: LLVMValueRef, type: LLVMTypeRef)] = [:]
  /// llvm.fma when the target confirms FMA, else llvm.fmuladd (decided once: feature lookups parse strings).
  private let fmaIntrinsic: String

  init(module kernelModule: KernelModule, name: String, bufferCount: Int) throws {
    target = kernelModule.target
    fmaIntrinsic = kernelModule.target.hasFMA ? "llvm.fma" : "llvm.fmuladd"
    context = kernelModule.context
    module = try kernelModule.liveModule()
    builder = LLVMCreateBuilderInContext(context)
    allocaBuilder = LLVMCreateBuilderInContext(context)
    voidType = LLVMVoidTypeInContext(context)
    int1Type = LLVMInt1TypeInContext(context)
    int32Type = LLVMInt32TypeInContext(context)
    int64Type = LLVMInt64TypeInContext(context)
    floatType = LLVMFloatTypeInContext(context)
    doubleType = LLVMDoubleTypeInContext(context)
    pointerType = LLVMPointerTypeInContext(context, 0)
    floatVectorType = LLVMVectorType(floatType, UInt32(KernelFunctionBuilder.lanes))
    doubleVectorType = LLVMVectorType(doubleType, UInt32(KernelFunctionBuilder.lanes))

    // Body: internal, always inlined, buffers as noalias parameters.
    var bodyParameters = [LLVMTypeRef?](repeating: pointerType, count: bufferCount) + [int64Type, int64Type]
    let bodyType = LLVMFunctionType(voidType, &bodyParameters, UInt32(bodyParameters.count), 0)
    function = LLVMAddFunction(module, name + ".body", bodyType)
    LLVMSetLinkage(function, LLVMInternalLinkage)
    KernelFunctionBuilder.addEnumAttribute("alwaysinline", to: function, index: KernelFunctionBuilder.functionAttributeIndex, context: context)
    for index in 0..<bufferCount {
      KernelFunctionBuilder.addEnumAttribute("noalias", to: function, index: UInt32(index + 1), context: context)
      KernelFunctionBuilder.addEnumAttribute("nocapture", to: function, index: UInt32(index + 1), context: context)
      bufferArguments.append(LLVMGetParam(function, UInt32(index)))
    }
    tileBegin = LLVMGetParam(function, UInt32(bufferCount))
    tileEnd = LLVMGetParam(function, UInt32(bufferCount + 1))
    entryBlock = LLVMAppendBasicBlockInContext(context, function, "entry")
    startBlock = LLVMAppendBasicBlockInContext(context, function, "start")
    LLVMPositionBuilderAtEnd(allocaBuilder, entryBlock)
    LLVMPositionBuilderAtEnd(builder, startBlock)
    addTargetAttributes(to: function)

    // Entry point with the common ABI: load each buffer address and call the body.
    var entryParameters: [LLVMTypeRef?] = [pointerType, int64Type, int64Type]
    let entryType = LLVMFunctionType(voidType, &entryParameters, 3, 0)
    let entry: LLVMValueRef = LLVMAddFunction(module, name, entryType)
    addTargetAttributes(to: entry)
    let entryBuilder = LLVMCreateBuilderInContext(context)
    defer { LLVMDisposeBuilder(entryBuilder) }
    LLVMPositionBuilderAtEnd(entryBuilder, LLVMAppendBasicBlockInContext(context, entry, "entry"))
    let table = LLVMGetParam(entry, 0)
    var callArguments: [LLVMValueRef?] = []
    for index in 0..<bufferCount {
      var offset: [LLVMValueRef?] = [LLVMConstInt(int64Type, UInt64(index), 0)]
      let slot = LLVMBuildInBoundsGEP2(entryBuilder, pointerType, table, &offset, 1, "")
      callArguments.append(LLVMBuildLoad2(entryBuilder, pointerType, slot, "buffer\(index)"))
    }
    callArguments.append(LLVMGetParam(entry, 1))
    callArguments.append(LLVMGetParam(entry, 2))
    LLVMBuildCall2(entryBuilder, bodyType, function, &callArguments, UInt32(callArguments.count), "")
    LLVMBuildRetVoid(entryBuilder)
  }

  deinit {
    LLVMDisposeBuilder(builder)
    LLVMDisposeBuilder(allocaBuilder)
  }

  /// Closes the body (called by the compiler after the generator's emitBody).
  func finish() {
    LLVMBuildRetVoid(builder)
    LLVMBuildBr(allocaBuilder, startBlock)
  }

  private func addTargetAttributes(to function: LLVMValueRef) {
    KernelFunctionBuilder.addEnumAttribute("nounwind", to: function, index: KernelFunctionBuilder.functionAttributeIndex, context: context)
    for (key, value) in [("target-cpu", target.cpu), ("target-features", target.features)] where !value.isEmpty {
      let attribute = LLVMCreateStringAttribute(context, key, UInt32(key.utf8.count), value, UInt32(value.utf8.count))
      LLVMAddAttributeAtIndex(function, KernelFunctionBuilder.functionAttributeIndex, attribute)
    }
  }

  private static func addEnumAttribute(_ name: String, to function: LLVMValueRef, index: LLVMAttributeIndex, context: LLVMContextRef) {
    let kind = LLVMGetEnumAttributeKindForName(name, name.utf8.count)
    LLVMAddAttributeAtIndex(function, index, LLVMCreateEnumAttribute(context, kind, 0))
  }

  // MARK: Integer index arithmetic (i64)

  public func constant(_ value: Int) -> IRValue { LLVMConstInt(int64Type, UInt64(bitPattern: Int64(value)), 1) }
  public func add(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildNSWAdd(builder, a, b, "") }
  public func add(_ a: IRValue, _ b: Int) -> IRValue { b == 0 ? a : add(a, constant(b)) }
  public func subtract(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildNSWSub(builder, a, b, "") }
  public func multiply(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildNSWMul(builder, a, b, "") }
  public func multiply(_ a: IRValue, _ b: Int) -> IRValue { b == 1 ? a : multiply(a, constant(b)) }
  /// Signed division by a positive constant.
  public func divide(_ a: IRValue, _ b: Int) -> IRValue { b == 1 ? a : LLVMBuildSDiv(builder, a, constant(b), "") }
  /// Signed remainder by a positive constant.
  public func remainder(_ a: IRValue, _ b: Int) -> IRValue { LLVMBuildSRem(builder, a, constant(b), "") }
  public func minimum(_ a: IRValue, _ b: IRValue) -> IRValue {
    LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntSLT, a, b, ""), a, b, "")
  }
  public func maximum(_ a: IRValue, _ b: IRValue) -> IRValue {
    LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntSGT, a, b, ""), a, b, "")
  }
  public func isEqual(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildICmp(builder, LLVMIntEQ, a, b, "") }
  public func isLess(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildICmp(builder, LLVMIntSLT, a, b, "") }
  /// Horner-style linear index: ((i0 * n1 + i1) * n2 + i2) ...
  public func linearIndex(_ indices: [IRValue], sizes: [Int]) -> IRValue {
    var result = indices[0]
    for position in 1..<indices.count { result = add(multiply(result, sizes[position]), indices[position]) }
    return result
  }

  // MARK: Memory

  /// Address of element `offset` of a float array.
  public func floatAddress(_ base: IRValue, _ offset: IRValue) -> IRValue {
    var indices: [LLVMValueRef?] = [offset]
    return LLVMBuildInBoundsGEP2(builder, floatType, base, &indices, 1, "")
  }

  public func doubleAddress(_ base: IRValue, _ offset: IRValue) -> IRValue {
    var indices: [LLVMValueRef?] = [offset]
    return LLVMBuildInBoundsGEP2(builder, doubleType, base, &indices, 1, "")
  }

  /// Loads 8 consecutive floats; `alignment` in bytes (32 for blocked-layout vectors).
  public func loadVector(_ base: IRValue, _ offset: IRValue, alignment: Int = 32) -> IRValue {
    let load: LLVMValueRef = LLVMBuildLoad2(builder, floatVectorType, floatAddress(base, offset), "")
    LLVMSetAlignment(load, UInt32(alignment))
    return load
  }

  /// Stores 8 floats; `streaming` marks the store non-temporal (vmovntps: bypasses the caches
  /// and skips the read-for-ownership, for large outputs that are not read again soon).
  public func storeVector(_ value: IRValue, _ base: IRValue, _ offset: IRValue, alignment: Int = 32, streaming: Bool = false) {
    let store: LLVMValueRef = LLVMBuildStore(builder, value, floatAddress(base, offset))
    LLVMSetAlignment(store, UInt32(alignment))
    if streaming {
      let kind = LLVMGetMDKindIDInContext(context, "nontemporal", 11)
      var one: [LLVMMetadataRef?] = [LLVMValueAsMetadata(LLVMConstInt(int32Type, 1, 0))]
      LLVMSetMetadata(store, kind, LLVMMetadataAsValue(context, LLVMMDNodeInContext2(context, &one, 1)))
    }
  }

  public func loadFloat(_ base: IRValue, _ offset: IRValue) -> IRValue {
    LLVMBuildLoad2(builder, floatType, floatAddress(base, offset), "")
  }

  public func storeFloat(_ value: IRValue, _ base: IRValue, _ offset: IRValue) {
    LLVMBuildStore(builder, value, floatAddress(base, offset))
  }

  /// The same address, hidden from the optimiser by an empty inline-asm copy. Loads through
  /// different laundered pointers are never merged, which keeps a broadcast's lifetime to the few
  /// FMAs that use it instead of letting GVN stretch it (and spill it) across the unrolled taps.
  public func launder(_ pointer: IRValue) -> IRValue {
    var parameters: [LLVMTypeRef?] = [pointerType]
    let type = LLVMFunctionType(pointerType, &parameters, 1, 0)
    let assembly = ""
    let constraints = "=r,0"
    let inlineAssembly = LLVMGetInlineAsm(
      type, assembly, 0, constraints, constraints.utf8.count, 0, 0, LLVMInlineAsmDialectATT, 0)
    var arguments: [LLVMValueRef?] = [pointer]
    return LLVMBuildCall2(builder, type, inlineAssembly, &arguments, 1, "")
  }

  /// <8 x double> load/store (statistics scratch).
  public func loadDoubleVector(_ base: IRValue, _ offset: IRValue) -> IRValue {
    let load: LLVMValueRef = LLVMBuildLoad2(builder, doubleVectorType, doubleAddress(base, offset), "")
    LLVMSetAlignment(load, 8)
    return load
  }

  public func storeDoubleVector(_ value: IRValue, _ base: IRValue, _ offset: IRValue) {
    let store = LLVMBuildStore(builder, value, doubleAddress(base, offset))
    LLVMSetAlignment(store, 8)
  }

  /// One float from memory, splat to all 8 lanes (a single vbroadcastss on AVX).
  public func broadcastLoad(_ base: IRValue, _ offset: IRValue) -> IRValue {
    splat(loadFloat(base, offset))
  }

  /// A scalar float or double value splat to 8 lanes.
  public func splat(_ scalar: IRValue) -> IRValue {
    let scalarType = LLVMTypeOf(scalar)
    let vectorType = scalarType == doubleType ? doubleVectorType : floatVectorType
    let inserted = LLVMBuildInsertElement(builder, LLVMGetPoison(vectorType), scalar, LLVMConstInt(int32Type, 0, 0), "")
    let mask = LLVMConstNull(LLVMVectorType(int32Type, UInt32(KernelFunctionBuilder.lanes)))
    return LLVMBuildShuffleVector(builder, inserted, LLVMGetPoison(vectorType), mask, "")
  }

  /// shufflevector of two <8 x float> with constant lane indices (0..<8 from a, 8..<16 from b).
  public func shuffle(_ a: IRValue, _ b: IRValue, _ mask: [Int]) -> IRValue {
    var indices: [LLVMValueRef?] = mask.map { LLVMConstInt(int32Type, UInt64($0), 0) }
    let maskVector = LLVMConstVector(&indices, UInt32(mask.count))
    return LLVMBuildShuffleVector(builder, a, b, maskVector, "")
  }

  public func floatConstant(_ value: Float) -> IRValue { LLVMConstReal(floatType, Double(value)) }
  public func doubleConstant(_ value: Double) -> IRValue { LLVMConstReal(doubleType, value) }
  public func splat(_ value: Float) -> IRValue {
    var elements = [LLVMValueRef?](repeating: floatConstant(value), count: KernelFunctionBuilder.lanes)
    return LLVMConstVector(&elements, UInt32(KernelFunctionBuilder.lanes))
  }
  public func splatDouble(_ value: Double) -> IRValue {
    var elements = [LLVMValueRef?](repeating: doubleConstant(value), count: KernelFunctionBuilder.lanes)
    return LLVMConstVector(&elements, UInt32(KernelFunctionBuilder.lanes))
  }

  // MARK: Floating point (scalars or vectors)

  public func fadd(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFAdd(builder, a, b, "") }
  public func fsub(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFSub(builder, a, b, "") }
  public func fmul(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFMul(builder, a, b, "") }
  public func fdiv(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFDiv(builder, a, b, "") }
  public func isGreater(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFCmp(builder, LLVMRealOGT, a, b, "") }
  public func select(_ condition: IRValue, _ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildSelect(builder, condition, a, b, "") }
  public func toDouble(_ value: IRValue) -> IRValue { LLVMBuildFPExt(builder, value, doubleVectorType, "") }
  public func bitcast(_ value: IRValue, to type: LLVMTypeRef) -> IRValue { LLVMBuildBitCast(builder, value, type, "") }
  public func integerToDouble(_ value: IRValue) -> IRValue { LLVMBuildSIToFP(builder, value, doubleType, "") }

  /// a * b + c with one rounding when the target has FMA (always for kernels chosen on AVX2 hosts).
  public func fma(_ a: IRValue, _ b: IRValue, _ c: IRValue) -> IRValue {
    callIntrinsic(fmaIntrinsic, overloadedOn: LLVMTypeOf(a), arguments: [a, b, c])
  }

  /// Calls an intrinsic; `type` is its overload type, nil for intrinsics that are not overloaded.
  public func callIntrinsic(_ name: String, overloadedOn type: LLVMTypeRef?, arguments: [IRValue]) -> IRValue {
    let key = name + "." + String(UInt(bitPattern: type.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0))
    let declaration: (function: LLVMValueRef, type: LLVMTypeRef)
    if let cached = intrinsicCache[key] {
      declaration = cached
    } else {
      let identifier = LLVMLookupIntrinsicID(name, name.utf8.count)
      var overloads: [LLVMTypeRef?] = type.map { [$0] } ?? []
      declaration = (
        LLVMGetIntrinsicDeclaration(module, identifier, &overloads, overloads.count),
        LLVMIntrinsicGetType(context, identifier, &overloads, overloads.count)
      )
      intrinsicCache[key] = declaration
    }
    var callArguments: [LLVMValueRef?] = arguments
    return LLVMBuildCall2(builder, declaration.type, declaration.function, &callArguments, UInt32(arguments.count), "")
  }

  // MARK: Variables (entry-block allocas; SROA/mem2reg promotes them to registers)

  public func variable(_ type: LLVMTypeRef, initial: IRValue? = nil) -> IRValue {
    let slot: LLVMValueRef = LLVMBuildAlloca(allocaBuilder, type, "")
    if type == floatVectorType { LLVMSetAlignment(slot, 32) }
    if let initial { LLVMBuildStore(builder, initial, slot) }
    return slot
  }

  public func read(_ slot: IRValue, _ type: LLVMTypeRef) -> IRValue { LLVMBuildLoad2(builder, type, slot, "") }
  public func write(_ value: IRValue, _ slot: IRValue) { LLVMBuildStore(builder, value, slot) }

  // MARK: Control flow

  /// for i in start..<end (step > 0); constant bounds give LLVM exact trip counts.
  public func forLoop(from start: IRValue, to end: IRValue, step: Int = 1, _ body: (IRValue) throws -> Void) rethrows {
    let preheader = LLVMGetInsertBlock(builder)
    let header = LLVMAppendBasicBlockInContext(context, function, "loop")
    let bodyBlock = LLVMAppendBasicBlockInContext(context, function, "body")
    let exit = LLVMAppendBasicBlockInContext(context, function, "exit")
    LLVMBuildBr(builder, header)
    LLVMPositionBuilderAtEnd(builder, header)
    let index: LLVMValueRef = LLVMBuildPhi(builder, int64Type, "i")
    LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntSLT, index, end, ""), bodyBlock, exit)
    LLVMPositionBuilderAtEnd(builder, bodyBlock)
    try body(index)
    let next = LLVMBuildNSWAdd(builder, index, constant(step), "")
    let latch = LLVMGetInsertBlock(builder)
    LLVMBuildBr(builder, header)
    var values: [LLVMValueRef?] = [start, next]
    var blocks: [LLVMBasicBlockRef?] = [preheader, latch]
    LLVMAddIncoming(index, &values, &blocks, 2)
    LLVMPositionBuilderAtEnd(builder, exit)
  }

  /// for i in 0..<count with a constant count (no loop at all for 0 or 1 iterations).
  public func forLoop(count: Int, _ body: (IRValue) throws -> Void) rethrows {
    if count <= 0 { return }
    if count == 1 { return try body(constant(0)) }
    try forLoop(from: constant(0), to: constant(count), body)
  }

  public func ifThen(_ condition: IRValue, _ then: () throws -> Void) rethrows {
    let thenBlock = LLVMAppendBasicBlockInContext(context, function, "then")
    let merge = LLVMAppendBasicBlockInContext(context, function, "endif")
    LLVMBuildCondBr(builder, condition, thenBlock, merge)
    LLVMPositionBuilderAtEnd(builder, thenBlock)
    try then()
    LLVMBuildBr(builder, merge)
    LLVMPositionBuilderAtEnd(builder, merge)
  }

  public func ifThenElse(_ condition: IRValue, then: () throws -> Void, else otherwise: () throws -> Void) rethrows {
    let thenBlock = LLVMAppendBasicBlockInContext(context, function, "then")
    let elseBlock = LLVMAppendBasicBlockInContext(context, function, "else")
    let merge = LLVMAppendBasicBlockInContext(context, function, "endif")
    LLVMBuildCondBr(builder, condition, thenBlock, elseBlock)
    LLVMPositionBuilderAtEnd(builder, thenBlock)
    try then()
    LLVMBuildBr(builder, merge)
    LLVMPositionBuilderAtEnd(builder, elseBlock)
    try otherwise()
    LLVMBuildBr(builder, merge)
    LLVMPositionBuilderAtEnd(builder, merge)
  }
}
