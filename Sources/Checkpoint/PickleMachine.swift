// A pickle virtual machine for protocols 0-5 that never executes anything. It follows the opcode
// semantics of CPython's pickle module (Lib/pickletools.py documents them): a value stack, a mark
// stack, and a memo. Globals become inert (module, name) values; REDUCE/NEWOBJ/INST/OBJ become
// object descriptions, except for the pure constructors interpreted in PickleMachine+Torch.swift.
// Every length is checked against the remaining input, and stack, memo and node counts are bounded.
import Archive

public struct PickleDocument: Sendable {
  public var root: PickleValue
  public var nodes: [PickleNode]
  /// Offset just after the STOP opcode (legacy torch files hold several pickles back to back).
  public var endOffset: Int
}

public struct PickleMachine {
  var input: PickleInput
  let limits: PickleLimits
  var stack: [PickleValue] = []
  var marks: [Int] = []
  var memo: [Int: PickleValue] = [:]
  var nodes: [PickleNode] = []
  var opcodeOffset = 0

  /// Unpickles one object starting at `offset` of `source`.
  public static func load(
    _ source: RandomAccessBytes, offset: Int = 0, limits: PickleLimits = PickleLimits()
  ) throws -> PickleDocument {
    var machine = PickleMachine(input: PickleInput(source: source, offset: offset), limits: limits)
    let root = try machine.run()
    return PickleDocument(root: root, nodes: machine.nodes, endOffset: machine.input.position)
  }

  public static func load(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleDocument {
    try load(MemoryBytes(bytes), limits: limits)
  }

  // MARK: - Stack helpers

  func malformed(_ opcode: String, _ reason: String) -> PickleError {
    .malformed(offset: opcodeOffset, opcode: opcode, reason: reason)
  }

  mutating func push(_ value: PickleValue) throws {
    guard stack.count < limits.maxStackDepth else {
      throw PickleError.limitExceeded(offset: opcodeOffset, limit: "stack deeper than \(limits.maxStackDepth)")
    }
    stack.append(value)
  }

  mutating func pop(_ opcode: String) throws -> PickleValue {
    guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
      throw malformed(opcode, "the stack is empty")
    }
    return value
  }

  func top(_ opcode: String) throws -> PickleValue {
    guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw malformed(opcode, "the stack is empty") }
    return value
  }

  /// Pops everything above the latest mark, and the mark.
  mutating func popToMark(_ opcode: String) throws -> [PickleValue] {
    guard let mark = marks.popLast() else { throw malformed(opcode, "no MARK on the stack") }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  mutating func addNode(_ node: PickleNode) throws -> PickleValue {
    guard nodes.count < limits.maxNodes else {
      throw PickleError.limitExceeded(offset: opcodeOffset, limit: "more than \(limits.maxNodes) objects")
    }
    nodes.append(node)
    return .node(nodes.count - 1)
  }

  mutating func memoize(_ index: Int, _ opcode: String) throws {
    guard index >= 0 else { throw malformed(opcode, "negative memo index") }
    guard memo.count < limits.maxMemoEntries || memo[index] != nil else {
      throw PickleError.limitExceeded(offset: opcodeOffset, limit: "more than \(limits.maxMemoEntries) memo entries")
    }
    memo[index] = try top(opcode)
  }

  mutating func recall(_ index: Int, _ opcode: String) throws {
    guard let value = memo[index] else { throw malformed(opcode, "memo entry \(index) was never stored") }
    try push(value)
  }

  // MARK: - Container mutation (in place, so long APPEND/SETITEM runs stay linear)

  mutating func append(_ items: [PickleValue], toTopFor opcode: String) throws {
    guard case .node(let id) = try top(opcode) else { throw malformed(opcode, "appending to a non-list") }
    switch nodes[id] {
    case .list(var list):
      nodes[id] = .tuple([])
      list.append(contentsOf: items)
      nodes[id] = .list(list)
    case .object(var object):
      nodes[id] = .tuple([])
      object.listItems.append(contentsOf: items)
      nodes[id] = .object(object)
    default:
      throw malformed(opcode, "appending to a non-list")
    }
  }

  mutating func setItems(_ pairs: [(PickleValue, PickleValue)], onTopFor opcode: String) throws {
    guard case .node(let id) = try top(opcode) else { throw malformed(opcode, "setting items on a non-dict") }
    switch nodes[id] {
    case .dict(var dictionary):
      nodes[id] = .tuple([])
      for (key, value) in pairs { dictionary.set(key, value) }
      nodes[id] = .dict(dictionary)
    case .object(var object):
      nodes[id] = .tuple([])
      object.dictItems.append(contentsOf: pairs)
      nodes[id] = .object(object)
    default:
      throw malformed(opcode, "setting items on a non-dict")
    }
  }

  mutating func addToSet(_ items: [PickleValue], opcode: String) throws {
    guard case .node(let id) = try top(opcode), case .set(var members, let frozen) = nodes[id] else {
      throw malformed(opcode, "adding items to a non-set")
    }
    nodes[id] = .tuple([])
    members.append(contentsOf: items)
    nodes[id] = .set(members, frozen: frozen)
  }

  mutating func build(state: PickleValue) throws {
    guard case .node(let id) = try top("BUILD") else { return }  // state on scalars is meaningless: ignore
    if case .object(var object) = nodes[id] {
      nodes[id] = .tuple([])
      object.state = state
      nodes[id] = .object(object)
    }
    // Dicts (OrderedDict attributes), tensors (Python attributes) and others keep no BUILD state.
  }

  func pairs(_ items: [PickleValue], _ opcode: String) throws -> [(PickleValue, PickleValue)] {
    guard items.count % 2 == 0 else { throw malformed(opcode, "an odd number of items for key/value pairs") }
    return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
  }
}
