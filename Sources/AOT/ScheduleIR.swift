// Emits, as textual LLVM IR, the part of model.o that is not a kernel: `stunet_model_run`, which
// checks the alignment of its memory, copies the inputs into the scratch arena, launches every
// kernel in order over all of its tiles through the host's parallel-for hook (or on the calling
// thread when there is none) with every buffer address computed from the weights or scratch base
// plus a constant offset, and copies the outputs out; and `stunet_model_describe`, which returns
// a constant description of the model (AOTModelABI/include/stunet_model_abi.h).
//
// Each launch fills one table of buffer addresses and one {kernel, table} context; the hook calls
// a trampoline with tile ranges, which sets flush-to-zero / denormals-are-zero (MXCSR) around the
// kernel call on whatever thread runs it (case C34), so any host gets the JIT runtime's numerics.
import LLVMBackend

struct ScheduleIR {
  let schedule: AOTSchedule
  let fingerprint: String
  let metadata: [(key: String, value: String)]

  static let tensorType = "{ ptr, i64, i64, [8 x i64], i64, i64 }"
  static let descriptionType = "{ i64, i64, i64, i64, i64, i64, ptr, ptr, ptr, ptr, ptr }"
  /// MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6).
  static let flushToZeroBits = 0x8040

  var isX86: Bool {
    let triple = schedule.target.triple
    return triple.hasPrefix("x86_64") || triple.hasPrefix("i386") || triple.hasPrefix("i686")
  }

  /// The schedule's IR; `kernelIR` (the kernels' module text) decides which intrinsics still need a declaration.
  func text(kernelIR: String) -> String {
    var out = "\n; ---- stunetc AOT schedule for @\(schedule.name) ----\n"
    var strings = StringTable()
    out += descriptionGlobals(&strings)
    out += strings.globals
    out += describeFunction()
    out += taskFunction()
    out += dispatchFunction()
    out += runFunction()
    out += declarations(missingFrom: kernelIR)
    return out
  }

  // MARK: Description

  private func tensorArray(_ tensors: [AOTTensor], name: String, strings: inout StringTable) -> String {
    guard !tensors.isEmpty else { return "" }
    let elements = tensors.map { tensor -> String in
      let shape = (0..<8).map { "i64 \($0 < tensor.shape.count ? tensor.shape[$0] : 0)" }.joined(separator: ", ")
      return "\(ScheduleIR.tensorType) { ptr \(strings.reference(tensor.name)), i64 \(tensor.elementType.rawValue), "
        + "i64 \(tensor.shape.count), [8 x i64] [\(shape)], i64 \(tensor.scratchOffset ?? -1), i64 \(tensor.byteCount) }"
    }
    return "@\(name) = private unnamed_addr constant [\(tensors.count) x \(ScheduleIR.tensorType)] [\n  "
      + elements.joined(separator: ",\n  ") + "\n]\n"
  }

  private func descriptionGlobals(_ strings: inout StringTable) -> String {
    var out = tensorArray(schedule.inputs, name: "stunet.aot.inputs", strings: &strings)
    out += tensorArray(schedule.outputs, name: "stunet.aot.outputs", strings: &strings)
    let metadataText = metadata.map { "\($0.key)=\($0.value)\n" }.joined()
    let fields = [
      "i64 1", "i64 \(schedule.alignment)", "i64 \(schedule.weights.byteCount)", "i64 \(schedule.scratchBytes)",
      "i64 \(schedule.inputs.count)", "i64 \(schedule.outputs.count)",
      "ptr " + (schedule.inputs.isEmpty ? "null" : "@stunet.aot.inputs"),
      "ptr " + (schedule.outputs.isEmpty ? "null" : "@stunet.aot.outputs"),
      "ptr " + strings.reference(schedule.name), "ptr " + strings.reference(fingerprint),
      "ptr " + strings.reference(metadataText),
    ]
    out += "@stunet.aot.description = private unnamed_addr constant \(ScheduleIR.descriptionType) { "
      + fields.joined(separator: ", ") + " }\n\n"
    return out
  }

  private func describeFunction() -> String {
    """
    define ptr @stunet_model_describe() nounwind {
    entry:
      ret ptr @stunet.aot.description
    }


    """
  }

  // MARK: Launching kernels

  /// task(context = [kernel, table], begin, end): kernel(table, begin, end) with FTZ/DAZ on.
  private func taskFunction() -> String {
    var body = """
      define internal void @stunet.aot.task(ptr %context, i64 %begin, i64 %end) nounwind {
      entry:
        %saved = alloca i32, align 4
        %mode = alloca i32, align 4
        %kernel = load ptr, ptr %context, align 8
        %table.slot = getelementptr inbounds ptr, ptr %context, i64 1
        %table = load ptr, ptr %table.slot, align 8

      """
    if isX86 {
      body += """
          call void @llvm.x86.sse.stmxcsr(ptr %saved)
          %old = load i32, ptr %saved, align 4
          %new = or i32 %old, \(ScheduleIR.flushToZeroBits)
          store i32 %new, ptr %mode, align 4
          call void @llvm.x86.sse.ldmxcsr(ptr %mode)
          call void %kernel(ptr %table, i64 %begin, i64 %end)
          call void @llvm.x86.sse.ldmxcsr(ptr %saved)

        """
    } else {
      body += "  call void %kernel(ptr %table, i64 %begin, i64 %end)\n"
    }
    return body + "  ret void\n}\n\n"
  }

  private func dispatchFunction() -> String {
    """
    define internal void @stunet.aot.dispatch(ptr %parallel_for, ptr %pool, ptr %context, i64 %tiles) nounwind {
    entry:
      %serial = icmp eq ptr %parallel_for, null
      br i1 %serial, label %serial.run, label %pool.run
    serial.run:
      call void @stunet.aot.task(ptr %context, i64 0, i64 %tiles)
      ret void
    pool.run:
      call void %parallel_for(ptr %pool, ptr @stunet.aot.task, ptr %context, i64 %tiles)
      ret void
    }


    """
  }

  private func runFunction() -> String {
    let tableSize = max(1, schedule.steps.map(\.buffers.count).max() ?? 1)
    let alignmentMask = schedule.alignment - 1
    var out = """
      define i32 @stunet_model_run(ptr %weights, ptr %inputs, ptr %outputs, ptr %scratch, ptr %parallel_for, ptr %pool) nounwind {
      entry:
        %table = alloca [\(tableSize) x ptr], align 16
        %context = alloca [2 x ptr], align 16
        %context.table = getelementptr inbounds ptr, ptr %context, i64 1
        store ptr %table, ptr %context.table, align 8

      """
    out += pointerCheck("weights", mask: alignmentMask, failure: 1, next: "check.scratch", required: schedule.weights.byteCount > 0)
    out += "check.scratch:\n"
    out += pointerCheck("scratch", mask: alignmentMask, failure: 2, next: "check.outputs", required: true)
    out += directOutputs()
    let resident = { (tensors: [AOTTensor]) in tensors.enumerated().filter { $0.element.scratchOffset != nil }.map { ($0.offset, $0.element) } }
    out += copies(resident(schedule.inputs), list: "inputs", label: "in", first: "copy.in", next: "launch", intoScratch: true)
    out += "launch:\n"
    for (index, step) in schedule.steps.enumerated() {
      let comment = step.label.replacingOccurrences(of: "\n", with: " ")
      out += "  ; step \(index): \(comment) [\(step.generator.kernelName), \(step.generator.tileCount) tiles]\n"
      if step.generator.tileCount == 0 { continue }
      for (slot, region) in step.buffers.enumerated() {
        let base: String
        switch region.base {
        case .weights: base = "%weights"
        case .scratch: base = "%scratch"
        case .output(let output): base = "%direct\(output).pointer"
        }
        out += "  %s\(index).\(slot) = getelementptr inbounds i8, ptr \(base), i64 \(region.offset)\n"
        out += "  %t\(index).\(slot) = getelementptr inbounds ptr, ptr %table, i64 \(slot)\n"
        out += "  store ptr %s\(index).\(slot), ptr %t\(index).\(slot), align 8\n"
      }
      out += "  store ptr \(ScheduleIR.symbol(step.generator.kernelName)), ptr %context, align 8\n"
      out += "  call void @stunet.aot.dispatch(ptr %parallel_for, ptr %pool, ptr %context, i64 \(step.generator.tileCount))\n"
    }
    out += "  br label %copy.out\n"
    out += copies(resident(schedule.outputs), list: "outputs", label: "out", first: "copy.out", next: "done", intoScratch: false)
    out += "done:\n  ret i32 0\n}\n\n"
    return out
  }

  /// Returns `failure` when the pointer is NULL or misaligned (only when `required`), else branches on.
  private func pointerCheck(_ name: String, mask: Int, failure: Int, next: String, required: Bool) -> String {
    guard required else { return "  br label %\(next)\n" }
    return """
        %\(name).int = ptrtoint ptr %\(name) to i64
        %\(name).low = and i64 %\(name).int, \(mask)
        %\(name).misaligned = icmp ne i64 %\(name).low, 0
        %\(name).null = icmp eq ptr %\(name), null
        %\(name).bad = or i1 %\(name).null, %\(name).misaligned
        br i1 %\(name).bad, label %bad.\(name), label %\(next)
      bad.\(name):
        ret i32 \(failure)

      """
  }

  /// Loads outputs[i] of every output written in place; returns STUNET_ERROR_MISSING_OUTPUT when
  /// the list or a pointer is NULL. These blocks dominate every launch, so the pointers are usable there.
  private func directOutputs() -> String {
    let direct = schedule.outputs.indices.filter { schedule.outputs[$0].scratchOffset == nil }
    var out = "check.outputs:\n"
    guard let first = direct.first else { return out + "  br label %copy.in\n" }
    out += "  %outputs.none = icmp eq ptr %outputs, null\n"
    out += "  br i1 %outputs.none, label %bad.outputs, label %direct\(first)\n"
    for (position, index) in direct.enumerated() {
      let after = position + 1 < direct.count ? "direct\(direct[position + 1])" : "copy.in"
      out += """
        direct\(index):
          %direct\(index).slot = getelementptr inbounds ptr, ptr %outputs, i64 \(index)
          %direct\(index).pointer = load ptr, ptr %direct\(index).slot, align 8
          %direct\(index).missing = icmp eq ptr %direct\(index).pointer, null
          br i1 %direct\(index).missing, label %bad.outputs, label %\(after)

        """
    }
    return out + "bad.outputs:\n  ret i32 3\n"
  }

  /// Copies each tensor between its caller pointer (list[i], skipped when the list or entry is NULL) and the arena.
  private func copies(
    _ tensors: [(index: Int, tensor: AOTTensor)], list: String, label: String, first: String, next: String, intoScratch: Bool
  ) -> String {
    var out = "\(first):\n"
    guard !tensors.isEmpty else { return out + "  br label %\(next)\n" }
    out += "  %\(list).none = icmp eq ptr %\(list), null\n"
    out += "  br i1 %\(list).none, label %\(next), label %\(label).\(tensors[0].index)\n"
    for (position, (index, tensor)) in tensors.enumerated() {
      let after = position + 1 < tensors.count ? "\(label).\(tensors[position + 1].index)" : next
      let name = "\(label).\(index)"
      out += """
        \(name):
          %\(name).slot = getelementptr inbounds ptr, ptr %\(list), i64 \(index)
          %\(name).pointer = load ptr, ptr %\(name).slot, align 8
          %\(name).skip = icmp eq ptr %\(name).pointer, null
          br i1 %\(name).skip, label %\(after), label %\(name).copy
        \(name).copy:
          %\(name).arena = getelementptr inbounds i8, ptr %scratch, i64 \(tensor.scratchOffset ?? 0)

        """
      let (destination, source) = intoScratch ? ("%\(name).arena", "%\(name).pointer") : ("%\(name).pointer", "%\(name).arena")
      out += "  call void @llvm.memcpy.p0.p0.i64(ptr align 1 \(destination), ptr align 1 \(source), i64 \(tensor.byteCount), i1 false)\n"
      out += "  br label %\(after)\n"
    }
    return out
  }

  private func declarations(missingFrom kernelIR: String) -> String {
    var wanted = [("llvm.memcpy.p0.p0.i64", "declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1 immarg)")]
    if isX86 {
      wanted += [
        ("llvm.x86.sse.stmxcsr", "declare void @llvm.x86.sse.stmxcsr(ptr)"),
        ("llvm.x86.sse.ldmxcsr", "declare void @llvm.x86.sse.ldmxcsr(ptr)"),
      ]
    }
    let declared = Set(
      kernelIR.split(separator: "\n").filter { $0.hasPrefix("declare ") }.compactMap { line -> String? in
        guard let at = line.firstIndex(of: "@"), let paren = line[at...].firstIndex(of: "(") else { return nil }
        return String(line[line.index(after: at)..<paren])
      })
    return wanted.filter { !declared.contains($0.0) }.map { $0.1 + "\n" }.joined()
  }

  /// A global symbol reference, always quoted so that any kernel name is valid IR.
  static func symbol(_ name: String) -> String { "@\"" + StringTable.escape(name) + "\"" }
}

/// Private NUL-terminated string constants, deduplicated.
struct StringTable {
  private var indices: [String: Int] = [:]
  private(set) var globals = ""

  mutating func reference(_ text: String) -> String {
    if let index = indices[text] { return "@stunet.aot.s\(index)" }
    let index = indices.count
    indices[text] = index
    let length = text.utf8.count + 1
    globals += "@stunet.aot.s\(index) = private unnamed_addr constant [\(length) x i8] c\"\(StringTable.escape(text))\\00\"\n"
    return "@stunet.aot.s\(index)"
  }

  /// LLVM string escaping: printable ASCII except `"` and `\` as is, every other byte as \XX.
  static func escape(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = String(byte, radix: 16, uppercase: true)
        out += "\\" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return out
  }
}
