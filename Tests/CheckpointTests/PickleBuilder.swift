// Emits protocol-2 pickle opcodes the way torch.save does, so tests can build checkpoints with
// features the golden files lack (views, shared and big-endian storages, bf16/f64/int64, device
// tags, nnU-Net v2 init_args) without PyTorch. Opcode bytes follow CPython's pickletools.

struct PickleBuilder {
  var bytes: [UInt8] = [0x80, 0x02]

  mutating func raw(_ values: [UInt8]) { bytes += values }

  mutating func global(_ module: String, _ name: String) {
    bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
  }

  mutating func string(_ text: String) {
    let utf8 = Array(text.utf8)
    bytes += [0x58] + littleEndian(UInt32(utf8.count)) + utf8
  }

  mutating func int(_ value: Int) {
    if value >= 0, value < 256 {
      bytes += [0x4B, UInt8(value)]
    } else if let small = Int32(exactly: value) {
      bytes += [0x4A] + littleEndian(UInt32(bitPattern: small))
    } else {
      bytes += [0x8A, 8] + littleEndian(UInt64(bitPattern: Int64(value)))
    }
  }

  mutating func float(_ value: Double) {
    bytes.append(0x47)
    for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value.bitPattern >> UInt64(shift))) }
  }

  mutating func bool(_ value: Bool) { bytes.append(value ? 0x88 : 0x89) }
  mutating func none() { bytes.append(0x4E) }
  mutating func mark() { bytes.append(0x28) }
  mutating func tuple() { bytes.append(0x74) }
  mutating func emptyTuple() { bytes.append(0x29) }
  mutating func emptyDict() { bytes.append(0x7D) }
  mutating func emptyList() { bytes.append(0x5D) }
  mutating func setItems() { bytes.append(0x75) }
  mutating func appends() { bytes.append(0x65) }
  mutating func reduce() { bytes.append(0x52) }
  mutating func build() { bytes.append(0x62) }
  mutating func persistentID() { bytes.append(0x51) }
  mutating func stop() { bytes.append(0x2E) }
  mutating func put(_ index: UInt8) { bytes += [0x71, index] }
  mutating func get(_ index: UInt8) { bytes += [0x68, index] }

  /// MARK, items, TUPLE.
  mutating func tuple(_ body: (inout PickleBuilder) -> Void) {
    mark()
    body(&self)
    tuple()
  }

  mutating func ints(_ values: [Int]) { tuple { builder in values.forEach { builder.int($0) } } }

  mutating func list(_ body: (inout PickleBuilder) -> Void) {
    emptyList()
    mark()
    body(&self)
    appends()
  }

  /// A dict with string keys: EMPTY_DICT, MARK, key/value pairs, SETITEMS.
  mutating func dict(_ entries: [(String, (inout PickleBuilder) -> Void)]) {
    emptyDict()
    guard !entries.isEmpty else { return }
    mark()
    for (key, value) in entries {
      string(key)
      value(&self)
    }
    setItems()
  }

  mutating func orderedDict(_ entries: [(String, (inout PickleBuilder) -> Void)]) {
    global("collections", "OrderedDict")
    emptyTuple()
    reduce()
    guard !entries.isEmpty else { return }
    mark()
    for (key, value) in entries {
      string(key)
      value(&self)
    }
    setItems()
  }

  /// torch._utils._rebuild_tensor_v2 on a storage named by a persistent id.
  mutating func tensor(
    storageType: String, key: String, location: String = "cpu", count: Int, offset: Int = 0, shape: [Int],
    strides: [Int], asParameter: Bool = false
  ) {
    if asParameter { global("torch._utils", "_rebuild_parameter") ; mark() }
    global("torch._utils", "_rebuild_tensor_v2")
    tuple { builder in
      builder.tuple { id in
        id.string("storage")
        id.global("torch", storageType)
        id.string(key)
        id.string(location)
        id.int(count)
      }
      builder.persistentID()
      builder.int(offset)
      builder.ints(shape)
      builder.ints(strides)
      builder.bool(false)
      builder.orderedDict([])
    }
    reduce()
    if asParameter {
      bool(true)
      orderedDict([])
      tuple()
      reduce()
    }
  }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { littleEndian(value).reversed() }
