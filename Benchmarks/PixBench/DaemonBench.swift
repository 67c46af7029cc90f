import Foundation
import PixClient
import PixImage

/// `pixwizard-bench daemon`: round trips and preview overhead against the real `pixwizard serve`
/// (started here as a child process, on a temporary Unix socket and an ephemeral TCP port).
///
///   health_rtt_us transport=unix p50=<x> p99=<y>     Health calls, one at a time, through PixClient
///   health_rtt_us transport=tcp  p50=<x> p99=<y>
///   preview_overhead_share=<z>                       (denoise time with a preview every step - without)
///                                                    / denoise time without, medians of interleaved pairs
enum DaemonBench {
    static func main(_ args: [String]) throws {
        let o = try BenchOptions(args, known: ["models", "model", "requests", "steps", "pairs", "image"])
        guard let models = o.string("models") else { throw BenchError.usage("--models DIR is required") }
        let model = o.string("model") ?? ""
        let requests = try o.int("requests", 5000)
        let steps = try o.int("steps", 20)
        let pairs = try o.int("pairs", 5)
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("pixwizard").path
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pixwizard-bench-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let sock = tmp.appendingPathComponent("s.sock").path

        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: bin)
        serve.arguments = ["serve", "--socket", sock, "--port", "0", "--models", models, "--log-level", "warning"]
            + (model.isEmpty ? [] : ["--default-model", model])
        let pipe = Pipe()
        serve.standardOutput = pipe
        serve.standardError = FileHandle.standardError
        try serve.run()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGTERM); serve.waitUntilExit() } }
        var text = ""
        while !text.contains("models in") {
            let d = pipe.fileHandleForReading.availableData
            if d.isEmpty { throw BenchError.usage("pixwizard serve exited: \(text)") }
            text += String(decoding: d, as: UTF8.self)
        }
        guard let r = text.range(of: "tcp:127.0.0.1:"), let port = Int(text[r.upperBound...].prefix { $0.isNumber }) else {
            throw BenchError.usage("no TCP port in: \(text)")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("machine: \(cores) cores, \(ProcessInfo.processInfo.operatingSystemVersionString); daemon: \(bin)")

        let done = DispatchSemaphore(value: 0)
        let failure = Box()
        Task {
            do {
                for (name, ep) in [("unix", PixEndpoint.unix(sock)), ("tcp", PixEndpoint.tcp(host: "127.0.0.1", port: port))] {
                    let c = try await PixClient.connect(to: ep)
                    for _ in 0..<200 { _ = try await c.health() }   // warm-up
                    var us: [Double] = []
                    us.reserveCapacity(requests)
                    for _ in 0..<requests {
                        let t0 = nowSeconds()
                        _ = try await c.health()
                        us.append((nowSeconds() - t0) * 1e6)
                    }
                    await c.close()
                    us.sort()
                    print(String(format: "health_rtt_us transport=%@ p50=%.1f p99=%.1f n=%d", name, us[us.count / 2],
                                 us[min(us.count - 1, us.count * 99 / 100)], us.count))
                }
                try await previewOverhead(sock: sock, steps: steps, pairs: pairs, imagePath: o.string("image"))
            } catch { failure.error = error }
            done.signal()
        }
        done.wait()
        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        if let e = failure.error { throw e }
    }

    final class Box: @unchecked Sendable { var error: Error? }

    static func previewOverhead(sock: String, steps: Int, pairs: Int, imagePath: String?) async throws {
        let c = try await PixClient.connect(to: .unix(sock))
        let png: [UInt8]
        if let p = imagePath, let d = FileManager.default.contents(atPath: p) { png = Array(d) } else {
            var px = [UInt8](repeating: 0, count: 64 * 64 * 3)
            for i in px.indices { px[i] = UInt8(truncatingIfNeeded: i &* 37) }
            png = try PNGCodec.encode(RGBImage(width: 64, height: 64, pixels: px))
        }
        func denoise(previews: Bool) async throws -> (seconds: Double, frames: Int, size: String) {
            let call = c.generate(GenerateParams(image: .png(png), instruction: "remove the noise", seed: 1,
                                                 steps: UInt32(steps), previewEvery: previews ? 1 : 0))
            var seconds = 0.0, frames = 0, size = ""
            for try await e in call.events {
                switch e {
                case .preview(let p): frames += 1; size = "\(p.width)x\(p.height)"
                case .summary(let s): seconds = s.timings.first { $0.stage == .denoise }?.seconds ?? s.totalSeconds
                default: break
                }
            }
            return (seconds, frames, size)
        }
        _ = try await denoise(previews: true)   // warm-up (and model load)
        var with: [Double] = [], without: [Double] = []
        var frames = 0, size = ""
        for _ in 0..<pairs {
            without.append(try await denoise(previews: false).seconds)
            let w = try await denoise(previews: true)
            with.append(w.seconds); frames = w.frames; size = w.size
        }
        await c.close()
        with.sort(); without.sort()
        let a = with[with.count / 2], b = without[without.count / 2]
        print(String(format: "preview_overhead_share=%.4f (denoise median %.1f ms with %d previews of %@ vs %.1f ms without; %d steps, %d pairs)",
                     (a - b) / b, a * 1e3, frames, size, b * 1e3, steps, pairs))
    }
}
