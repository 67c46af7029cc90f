// pixwizard-bench: benchmark dispatch. Subcommands:
//   dit     the Swift DiT forward (standalone, or driven over stdin by Benchmarks/dit_bench.py)
//   sgemm   OpenBLAS sgemm peak (GFLOP/s) at a size and thread count
// Other suites register here as they land.
import Foundation

let argv = Array(CommandLine.arguments.dropFirst())
let commands: [String: ([String]) throws -> Void] = [
    "dit": DiTBench.main,
    "sgemm": SGEMMBench.main,
    "daemon": DaemonBench.main,
]

func usage() -> Never {
    print("usage: pixwizard-bench <dit|sgemm|daemon> [options]")
    exit(argv.first == "--help" || argv.first == "-h" ? 0 : 64)
}

guard let cmd = argv.first, let run = commands[cmd] else { usage() }
do {
    try run(Array(argv.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("pixwizard-bench \(cmd): \(error)\n".utf8))
    exit(1)
}
