import ArgumentParser
import PixClient

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that the daemon answers; exit 0 when it is serving.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try await connection.connect()
        let start = ContinuousClock.now
        let serving = try await client.health()
        let rtt = ContinuousClock.now - start
        await client.close()
        let us = Double(rtt.components.attoseconds) / 1e12 + Double(rtt.components.seconds) * 1e6
        print("\(serving ? "serving" : "not serving") at \(try connection.endpoint) (round trip \(Int(us)) us)")
        if !serving { throw ExitCode(1) }
    }
}
