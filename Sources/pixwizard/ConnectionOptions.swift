import ArgumentParser
import Foundation
import PixClient
import PixServer

/// How client subcommands find the daemon.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Daemon address: a Unix socket path, unix:PATH, or host:port. Default: the default socket when it exists, else 127.0.0.1:\(ServerConfiguration.defaultTCPPort). Also $PIXWIZARD_ADDRESS.")
    var address: String?

    @Option(name: .long, help: "Shared secret for a daemon listening beyond loopback (also $PIXWIZARD_TOKEN).")
    var token: String?

    var endpoint: PixEndpoint {
        get throws {
            let given = address ?? ProcessInfo.processInfo.environment["PIXWIZARD_ADDRESS"]
            if let given {
                guard let e = PixEndpoint(parsing: given) else { throw ValidationError("cannot parse address '\(given)'") }
                return e
            }
            let sock = ServerConfiguration.defaultUnixSocketPath()
            if FileManager.default.fileExists(atPath: sock) { return .unix(sock) }
            return .tcp(host: "127.0.0.1", port: ServerConfiguration.defaultTCPPort)
        }
    }

    func connect() async throws -> PixClient {
        let tok = token ?? ProcessInfo.processInfo.environment["PIXWIZARD_TOKEN"] ?? ""
        return try await PixClient.connect(to: try endpoint, token: tok)
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// A line on stdout, unbuffered (scripts and tests wait for lines like "listening").
func say(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
