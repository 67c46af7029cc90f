import ArgumentParser
import PixClient

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the daemon's version, limits, capabilities, models and tasks.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try await connection.connect()
        let info: WireServerInfo
        do { info = try await client.serverInfo() } catch { await client.close(); throw error }
        await client.close()
        print("pixwizard daemon \(info.version), protocol \(info.protocolVersion)")
        if let l = info.limits {
            print("limits: max_frame_bytes=\(l.maxFrameBytes) max_pixels=\(l.maxPixels) max_steps=\(l.maxSteps) max_queue=\(l.maxQueue) max_connections=\(l.maxConnections)")
        }
        print("capabilities: \(info.capabilities.joined(separator: " "))")
        for m in info.models {
            print("model \(m.name)\(m.isDefault ? " (default)" : "")\(m.loaded ? " loaded" : ""): \(m.family) \(m.description)")
            if m.defaultSteps > 0 {
                print("  defaults: steps=\(m.defaultSteps) text_guidance=\(m.defaultTextGuidance) image_guidance=\(m.defaultImageGuidance) resolution=\(m.defaultResolution) size_multiple=\(m.sizeMultiple)")
            }
            for t in m.tasks { print("  task \(t.name): \"\(t.example)\"") }
        }
    }
}
