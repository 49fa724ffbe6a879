// The opcode dispatch loop of the pickle virtual machine (protocols 0-5). Opcode names and
// semantics are those of CPython's pickletools documentation.
import Archive

extension PickleMachine {
  mutating func run() throws -> PickleValue {
    while true {
      opcodeOffset = input.position
      let opcode = try input.byte()
      switch opcode {
      case 0x28: // MARK
        guard marks.count < limits.maxMarkDepth else {
          throw PickleError.limitExceeded(offset: opcodeOffset, limit: "MARKs nested deeper than \(limits.maxMarkDepth)")
        }
        marks.append(stack.count)
      case 0x2E: // STOP
        return try pop("STOP")
      case 0x30: // POP
        if let mark = marks.last, mark == stack.count { marks.removeLast() } else { _ = try pop("POP") }
      case 0x31: _ = try popToMark("POP_MARK")
      case 0x32: try push(try top("DUP"))
      case 0x46: try push(.float(try textFloat()))  // FLOAT
      case 0x49: try push(try textInteger("INT"))  // INT (also I00/I01 booleans)
      case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try input.littleEndian(4))))))  // BININT
      case 0x4B: try push(.int(Int(try input.byte())))  // BININT1
      case 0x4C: try push(try textInteger("LONG"))  // LONG
      case 0x4D: try push(.int(Int(try input.littleEndian(2))))  // BININT2
      case 0x4E: try push(.none)
      case 0x50: // PERSID
        let id = String(decoding: try input.line(maxLength: limits.maxLineLength), as: UTF8.self)
        try push(try persistentLoad(.string(id)))
      case 0x51: try push(try persistentLoad(try pop("BINPERSID")))  // BINPERSID
      case 0x52: // REDUCE
        let arguments = try pop("REDUCE")
        let callable = try pop("REDUCE")
        try push(try reduce(callable, arguments, opcode: "REDUCE"))
      case 0x53: try push(.string(try quotedString()))  // STRING
      case 0x54: try push(latin1String(try input.bytes(try signedLength(4, "BINSTRING"))))  // BINSTRING
      case 0x55: try push(latin1String(try input.bytes(Int(try input.byte()))))  // SHORT_BINSTRING
      case 0x56: // UNICODE (raw-unicode-escape; only \uXXXX escapes matter in practice)
        try push(.string(rawUnicodeEscape(try input.line(maxLength: limits.maxLineLength))))
      case 0x58: try push(.string(utf8(try input.bytes(Int(try input.littleEndian(4))))))  // BINUNICODE
      case 0x61: try append([try pop("APPEND")], toTopFor: "APPEND")
      case 0x62: try build(state: try pop("BUILD"))
      case 0x63: // GLOBAL
        let module = String(decoding: try input.line(maxLength: limits.maxLineLength), as: UTF8.self)
        let name = String(decoding: try input.line(maxLength: limits.maxLineLength), as: UTF8.self)
        try push(.global(module: module, name: name))
      case 0x64: try push(try dictionary(from: try popToMark("DICT"), "DICT"))  // DICT
      case 0x7D: try push(try addNode(.dict(PickleDictionary())))  // EMPTY_DICT
      case 0x65: try append(try popToMark("APPENDS"), toTopFor: "APPENDS")
      case 0x67: try recall(try textIndex("GET"), "GET")
      case 0x68: try recall(Int(try input.byte()), "BINGET")
      case 0x6A: try recall(Int(try input.littleEndian(4)), "LONG_BINGET")
      case 0x69: // INST
        let module = String(decoding: try input.line(maxLength: limits.maxLineLength), as: UTF8.self)
        let name = String(decoding: try input.line(maxLength: limits.maxLineLength), as: UTF8.self)
        let arguments = try popToMark("INST")
        try push(try instantiate(.global(module: module, name: name), arguments))
      case 0x6C: try push(try addNode(.list(try popToMark("LIST"))))  // LIST
      case 0x5D: try push(try addNode(.list([])))  // EMPTY_LIST
      case 0x6F: // OBJ
        let items = try popToMark("OBJ")
        guard let callable = items.first else { throw malformed("OBJ", "no class given") }
        try push(try instantiate(callable, Array(items.dropFirst())))
      case 0x70: try memoize(try textIndex("PUT"), "PUT")
      case 0x71: try memoize(Int(try input.byte()), "BINPUT")
      case 0x72: try memoize(Int(try input.littleEndian(4)), "LONG_BINPUT")
      case 0x73: // SETITEM
        let value = try pop("SETITEM")
        let key = try pop("SETITEM")
        try setItems([(key, value)], onTopFor: "SETITEM")
      case 0x74: try push(try addNode(.tuple(try popToMark("TUPLE"))))  // TUPLE
      case 0x29: try push(try addNode(.tuple([])))  // EMPTY_TUPLE
      case 0x75: try setItems(try pairs(try popToMark("SETITEMS"), "SETITEMS"), onTopFor: "SETITEMS")
      case 0x47: try push(.float(Double(bitPattern: try bigEndian(8))))  // BINFLOAT
      case 0x80: // PROTO
        let version = try input.byte()
        guard version <= 5 else { throw PickleError.unsupported(offset: opcodeOffset, feature: "pickle protocol \(version)") }
      case 0x81: // NEWOBJ
        let arguments = try pop("NEWOBJ")
        let callable = try pop("NEWOBJ")
        try push(try reduce(callable, arguments, opcode: "NEWOBJ"))
      case 0x82: try push(extensionGlobal(Int(try input.byte())))  // EXT1
      case 0x83: try push(extensionGlobal(Int(try input.littleEndian(2))))  // EXT2
      case 0x84: try push(extensionGlobal(Int(Int32(bitPattern: UInt32(try input.littleEndian(4))))))  // EXT4
      case 0x85: try push(try addNode(.tuple([try pop("TUPLE1")])))
      case 0x86:
        let second = try pop("TUPLE2")
        let first = try pop("TUPLE2")
        try push(try addNode(.tuple([first, second])))
      case 0x87:
        let third = try pop("TUPLE3")
        let second = try pop("TUPLE3")
        let first = try pop("TUPLE3")
        try push(try addNode(.tuple([first, second, third])))
      case 0x88: try push(.bool(true))
      case 0x89: try push(.bool(false))
      case 0x8A: try push(integer(fromLittleEndian: try input.bytes(Int(try input.byte()))))  // LONG1
      case 0x8B: try push(integer(fromLittleEndian: try input.bytes(try signedLength(4, "LONG4"))))  // LONG4
      case 0x42: try push(.bytes(try input.bytes(Int(try input.littleEndian(4)))))  // BINBYTES
      case 0x43: try push(.bytes(try input.bytes(Int(try input.byte()))))  // SHORT_BINBYTES
      case 0x8C: try push(.string(utf8(try input.bytes(Int(try input.byte())))))  // SHORT_BINUNICODE
      case 0x8D: try push(.string(utf8(try input.bytes(try length64("BINUNICODE8")))))
      case 0x8E: try push(.bytes(try input.bytes(try length64("BINBYTES8"))))
      case 0x96: try push(.bytes(try input.bytes(try length64("BYTEARRAY8"))))
      case 0x8F: try push(try addNode(.set([], frozen: false)))  // EMPTY_SET
      case 0x90: try addToSet(try popToMark("ADDITEMS"), opcode: "ADDITEMS")
      case 0x91: try push(try addNode(.set(try popToMark("FROZENSET"), frozen: true)))
      case 0x92: // NEWOBJ_EX
        _ = try pop("NEWOBJ_EX")  // keyword arguments: not needed for any object kept as data
        let arguments = try pop("NEWOBJ_EX")
        let callable = try pop("NEWOBJ_EX")
        try push(try reduce(callable, arguments, opcode: "NEWOBJ_EX"))
      case 0x93: // STACK_GLOBAL
        let name = try pop("STACK_GLOBAL")
        let module = try pop("STACK_GLOBAL")
        guard case .string(let moduleName) = module, case .string(let globalName) = name else {
          throw malformed("STACK_GLOBAL", "module and name must be strings")
        }
        try push(.global(module: moduleName, name: globalName))
      case 0x94: try memoize(memo.count, "MEMOIZE")
      case 0x95: _ = try input.littleEndian(8)  // FRAME: a read-ahead hint only
      case 0x97: throw PickleError.unsupported(offset: opcodeOffset, feature: "out-of-band buffers (NEXT_BUFFER)")
      case 0x98: _ = try top("READONLY_BUFFER")
      default:
        throw PickleError.unknownOpcode(offset: opcodeOffset, opcode: opcode)
      }
    }
  }

  // MARK: - Operand decoding

  mutating func bigEndian(_ width: Int) throws -> UInt64 {
    var value: UInt64 = 0
    for _ in 0..<width { value = (value << 8) | UInt64(try input.byte()) }
    return value
  }

  mutating func signedLength(_ width: Int, _ opcode: String) throws -> Int {
    let value = Int(Int32(bitPattern: UInt32(try input.littleEndian(width))))
    guard value >= 0 else { throw malformed(opcode, "negative length \(value)") }
    return value
  }

  mutating func length64(_ opcode: String) throws -> Int {
    let value = try input.littleEndian(8)
    guard value <= UInt64(input.remaining) else { throw PickleError.truncated(offset: input.position, needed: Int(min(value, UInt64(Int.max)))) }
    return Int(value)
  }

  mutating func textIndex(_ opcode: String) throws -> Int {
    let text = String(decoding: try input.line(maxLength: 32), as: UTF8.self)
    guard let value = Int(text), value >= 0 else { throw malformed(opcode, "bad memo index '\(text)'") }
    return value
  }

  mutating func textFloat() throws -> Double {
    let text = String(decoding: try input.line(maxLength: 64), as: UTF8.self)
    guard let value = Double(text) else { throw malformed("FLOAT", "'\(text)' is not a number") }
    return value
  }

  mutating func textInteger(_ opcode: String) throws -> PickleValue {
    var text = String(decoding: try input.line(maxLength: 4096), as: UTF8.self)
    if opcode == "INT", text == "00" { return .bool(false) }
    if opcode == "INT", text == "01" { return .bool(true) }
    if text.hasSuffix("L") { text.removeLast() }
    if let value = Int(text) { return .int(value) }
    guard let big = DecimalInteger.twosComplement(text) else { throw malformed(opcode, "'\(text.prefix(40))' is not an integer") }
    return integer(fromLittleEndian: big)
  }

  mutating func quotedString() throws -> String {
    let line = try input.line(maxLength: limits.maxLineLength)
    guard line.count >= 2, let quote = line.first, quote == 0x27 || quote == 0x22, line.last == quote else {
      throw malformed("STRING", "the argument is not a quoted string")
    }
    return PythonEscapes.unescape(Array(line[1..<line.count - 1]))
  }

  func integer(fromLittleEndian bytes: [UInt8]) -> PickleValue {
    if bytes.isEmpty { return .int(0) }
    if bytes.count <= 8 {
      var value: UInt64 = 0
      for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
      if bytes.count < 8, bytes[bytes.count - 1] & 0x80 != 0 {
        value |= UInt64.max << (8 * UInt64(bytes.count))  // sign-extend
      }
      return .int(Int(Int64(bitPattern: value)))
    }
    return .bigInt(bytes)
  }

  func utf8(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  func latin1String(_ bytes: [UInt8]) -> PickleValue {
    .string(String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })))
  }

  func rawUnicodeEscape(_ bytes: [UInt8]) -> String { PythonEscapes.unescape(bytes) }

  func extensionGlobal(_ code: Int) -> PickleValue {
    .global(module: "copyreg._extension_registry", name: String(code))
  }

  mutating func dictionary(from items: [PickleValue], _ opcode: String) throws -> PickleValue {
    var dictionary = PickleDictionary()
    for (key, value) in try pairs(items, opcode) { dictionary.set(key, value) }
    return try addNode(.dict(dictionary))
  }
}

/// Python string-literal escapes (\n, \t, \\, \', \xHH, \uXXXX), decoded without evaluating anything.
enum PythonEscapes {
  static func unescape(_ bytes: [UInt8]) -> String {
    var scalars = String.UnicodeScalarView()
    var index = 0
    func hexValue(_ count: Int) -> UInt32? {
      guard index + count <= bytes.count else { return nil }
      let text = String(decoding: bytes[index..<index + count], as: UTF8.self)
      return UInt32(text, radix: 16)
    }
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      guard byte == 0x5C, index < bytes.count else {
        scalars.append(Unicode.Scalar(byte))
        continue
      }
      let escape = bytes[index]
      index += 1
      switch escape {
      case 0x6E: scalars.append("\n")
      case 0x74: scalars.append("\t")
      case 0x72: scalars.append("\r")
      case 0x78, 0x75, 0x55:  // \x, \u, \U
        let width = escape == 0x78 ? 2 : (escape == 0x75 ? 4 : 8)
        if let value = hexValue(width), let scalar = Unicode.Scalar(value) {
          scalars.append(scalar)
          index += width
        } else {
          scalars.append("\\")
          scalars.append(Unicode.Scalar(escape))
        }
      default: scalars.append(Unicode.Scalar(escape))
      }
    }
    return String(scalars)
  }
}

/// Converts a decimal integer string to little-endian two's complement bytes (bounded length).
enum DecimalInteger {
  static func twosComplement(_ text: String) -> [UInt8]? {
    var digits = Array(text.utf8)
    var negative = false
    if digits.first == 0x2D { negative = true; digits.removeFirst() } else if digits.first == 0x2B { digits.removeFirst() }
    guard !digits.isEmpty, digits.count <= 4096, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    var magnitude: [UInt8] = [0]  // little-endian base 256
    for digit in digits {
      var carry = UInt32(digit - 0x30)
      for index in magnitude.indices {
        let value = UInt32(magnitude[index]) * 10 + carry
        magnitude[index] = UInt8(value & 0xFF)
        carry = value >> 8
      }
      while carry > 0 { magnitude.append(UInt8(carry & 0xFF)); carry >>= 8 }
    }
    magnitude.append(0)  // room for the sign bit
    if negative {
      var carry: UInt16 = 1
      for index in magnitude.indices {
        let value = UInt16(~magnitude[index]) + carry
        magnitude[index] = UInt8(value & 0xFF)
        carry = value >> 8
      }
    }
    return magnitude
  }
}
