// A line diff for test failure messages: the longest common subsequence of lines, printed with
// '-' for expected-only and '+' for actual-only lines, plus a little context.

enum TextDiff {
  static func describe(expected: String, actual: String, context: Int = 2) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var common = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
    for i in stride(from: old.count - 1, through: 0, by: -1) {
      for j in stride(from: new.count - 1, through: 0, by: -1) {
        common[i][j] = old[i] == new[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
      }
    }
    var lines: [(mark: Character, text: String, line: Int)] = []
    var i = 0
    var j = 0
    while i < old.count || j < new.count {
      if i < old.count, j < new.count, old[i] == new[j] {
        lines.append((" ", old[i], i + 1))
        i += 1
        j += 1
      } else if j < new.count, i == old.count || common[i][j + 1] >= common[i + 1][j] {
        lines.append(("+", new[j], i + 1))
        j += 1
      } else {
        lines.append(("-", old[i], i + 1))
        i += 1
      }
    }
    let changed = lines.indices.filter { lines[$0].mark != " " }
    var shown = Set<Int>()
    for index in changed { shown.formUnion(max(0, index - context)...min(lines.count - 1, index + context)) }
    var out: [String] = []
    var previous = -2
    for index in shown.sorted() {
      if index != previous + 1 { out.append("@@ expected line \(lines[index].line) @@") }
      out.append("\(lines[index].mark) \(lines[index].text)")
      previous = index
    }
    return out.joined(separator: "\n")
  }
}
