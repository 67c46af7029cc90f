import ArgumentParser
import PixClient

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the daemon's models (and load or unload one).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Load this model now.") var load: String?
    @Option(help: "Unload this model.") var unload: String?

    func run() async throws {
        let client = try await connection.connect()
        do {
            if let name = load {
                let m = try await client.loadModel(name)
                print("loaded \(m.name)")
            }
            if let name = unload {
                try await client.unloadModel(name)
                print("unloaded \(name)")
            }
            for m in try await client.listModels() {
                var flags: [String] = []
                if m.isDefault { flags.append("default") }
                flags.append(m.loaded ? "loaded" : "not loaded")
                print("\(m.name)\t\(flags.joined(separator: ", "))\t\(m.family)\t\(m.description)")
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
