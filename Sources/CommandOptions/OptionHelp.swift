// The `--help` text of a subcommand, the same for stunetc and stunet-model: the usage line, the
// summary, every option with its value name and help aligned in one column, then the details.

extension OptionSpec {
  public static func helpText(
    program: String, usage: String, summary: String, options: [OptionSpec], details: String = ""
  ) -> String {
    var lines = ["usage: \(program) \(usage)", "", summary, "", "options:"]
    let width = options.map { $0.name.count + $0.valueName.count + 3 }.max() ?? 0
    for option in options + [.flag("help", "show this help")] {
      let left = (option.name.count == 1 ? "-" : "--") + option.name + (option.takesValue ? " " + option.valueName : "")
      lines.append("  " + left.padding(toLength: max(width, left.count) + 2, withPad: " ", startingAt: 0) + option.help)
    }
    if !details.isEmpty { lines += ["", details] }
    return lines.joined(separator: "\n")
  }
}
