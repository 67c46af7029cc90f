import Foundation

/// OpenBLAS reads its settings once, when the library loads, before any Swift code runs; `setenv` in
/// `main` is too late. Without OPENBLAS_THREAD_TIMEOUT its worker threads spin after every call and take a
/// core from the event loops (and, on a 2-core machine, from the other BLAS thread). The commands that run
/// models call `ensure()` first: when the variable is missing it is set and the process re-executes
/// itself once, with the same arguments, so `pixwizard serve` needs no environment from its user.
enum BLASEnvironment {
    static let variable = "OPENBLAS_THREAD_TIMEOUT"

    static func ensure() {
        guard getenv(variable) == nil else { return }
        setenv(variable, "1", 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // execv returned: keep going with the library's defaults (correct, only slower).
        for p in cargs { free(p) }
    }
}
