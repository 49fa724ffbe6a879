// Entry point of the `stunetc` command line; all logic lives in the Driver module.
import Driver
import Foundation

exit(CommandLineTool.run(Array(CommandLine.arguments.dropFirst())))
