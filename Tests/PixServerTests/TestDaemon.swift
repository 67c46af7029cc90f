import Foundation
import PixClient
import PixImage
import Testing

/// A real `pixwizard serve` process on a temporary Unix socket and an ephemeral TCP port, serving
/// the seeded random-weight TEST FIXTURE model "test-random" (Training/fixtures/make_test_model.py).
final class TestDaemon: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The release bin directory holding `pixwizard` (next to the test bundle), or $PIXWIZARD_BIN.
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["PIXWIZARD_BIN"] { return b }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("pixwizard").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/release/pixwizard").path
    }

    /// The models directory with test-random, made once per test process.
    static let modelsDirectory: Result<String, TestFailure> = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pixwizard-test-models-\(getpid())")
        let out = dir.appendingPathComponent("test-random").path
        let script = packageRoot.appendingPathComponent("Training/fixtures/make_test_model.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--out", out]
        var env = ProcessInfo.processInfo.environment
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { return .failure(TestFailure("cannot run \(script): \(error)")) }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return .failure(TestFailure("\(script) exited \(p.terminationStatus)")) }
        // The FAKE official release converted by Training/convert_official.py (Tests/Fixtures/official/model,
        // regenerated and compared byte for byte by scripts/test-official.sh): tiny random weights in the
        // official layout, served by the same loader as a real converted checkpoint.
        let official = packageRoot.appendingPathComponent("Tests/Fixtures/official/model").path
        do {
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(officialFixtureName).path,
                                                       withDestinationPath: official)
        } catch { return .failure(TestFailure("cannot link \(official): \(error)")) }
        return .success(dir.path)
    }()

    /// The converted fake official checkpoint's name in the models directory.
    static let officialFixtureName = "fake-official-tiny"

    let dir: URL
    let socketPath: String
    private(set) var tcpPort = 0
    let process = Process()
    private let outPipe = Pipe()
    private(set) var output = ""

    /// `blasEnvironment: false` starts the daemon without OPENBLAS_THREAD_TIMEOUT, as a user's shell would.
    init(_ extraArgs: [String] = [], tcp: Bool = true, blasEnvironment: Bool = true) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pwd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        socketPath = dir.appendingPathComponent("s.sock").path
        let models = try Self.modelsDirectory.get()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--socket", socketPath, "--models", models, "--default-model", "test-random",
                             "--log-level", "warning"] + (tcp ? ["--port", "0"] : ["--no-tcp"]) + extraArgs
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_THREAD_TIMEOUT"] = blasEnvironment ? "1" : nil
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        process.environment = env
        process.standardOutput = outPipe
        process.standardError = outPipe
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Wait for the "listening on" line (it names the TCP port).
        let deadline = Date().addingTimeInterval(60)
        var buffer = Data()
        while Date() < deadline {
            let chunk = outPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            output = String(decoding: buffer, as: UTF8.self)
            if let line = output.split(separator: "\n").first(where: { $0.contains("listening on") }) {
                if tcp, let r = line.range(of: "tcp:") {
                    let addr = line[r.upperBound...].prefix { $0 != " " }
                    if let colon = addr.lastIndex(of: ":") { tcpPort = Int(addr[addr.index(after: colon)...]) ?? 0 }
                }
                if output.contains("models in") { break }
            }
        }
        guard output.contains("listening on") else {
            process.terminate()
            throw TestFailure("daemon did not start: \(output)")
        }
        // Keep draining output so the daemon never blocks on a full pipe.
        let fh = outPipe.fileHandleForReading
        Thread.detachNewThread { while !fh.availableData.isEmpty {} }
    }

    func client(tcp: Bool = false, token: String = "") async throws -> PixClient {
        try await PixClient.connect(to: tcp ? .tcp(host: "127.0.0.1", port: tcpPort) : .unix(socketPath), token: token)
    }

    /// Signalled once by the process's termination handler.
    private let exited = DispatchSemaphore(value: 0)
    private var reaped = false

    /// Waits for the daemon's exit, at most `seconds`. Foundation's `waitUntilExit` spins on the calling
    /// thread's run loop and, called from Swift Testing's threads, was seen to miss the exit and spin
    /// forever; the termination handler is called from Foundation's own monitor thread.
    private func waitForExit(_ seconds: Double = 60) -> Bool {
        if reaped { return true }
        reaped = exited.wait(timeout: .now() + seconds) == .success
        return reaped
    }

    /// SIGTERM; returns the exit status (-1 when the daemon did not exit within a minute).
    @discardableResult
    func stop() -> Int32 {
        if reaped { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        return waitForExit() ? process.terminationStatus : -1
    }

    deinit {
        if !reaped { kill(process.processIdentifier, SIGKILL); _ = waitForExit(10) }
        try? FileManager.default.removeItem(at: dir)
    }

    // Inputs.
    static func testImage(_ w: Int = 32, _ h: Int = 32, seed: Int = 0) -> RGBImage {
        var p = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<p.count { p[i] = UInt8(truncatingIfNeeded: i &* 31 &+ seed &* 97) }
        return RGBImage(width: w, height: h, pixels: p)
    }

    static func testPNG(_ w: Int = 32, _ h: Int = 32, seed: Int = 0) -> [UInt8] {
        (try? PNGCodec.encode(testImage(w, h, seed: seed))) ?? []
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Everything one Generate call produced.
struct CallRecord: Sendable {
    var events: [GenerateEvent] = []
    var status: WireStatus = .ok

    var progressSteps: [Int] { events.compactMap { if case .progress(.denoise, let s, _) = $0 { s } else { nil } } }
    var previews: [PreviewImage] { events.compactMap { if case .preview(let p) = $0 { p } else { nil } } }
    var positions: [Int] { events.compactMap { if case .queuePosition(let p) = $0 { p } else { nil } } }
    var accepted: WireAccepted? { events.lazy.compactMap { if case .accepted(let a) = $0 { a } else { nil } }.first }
    var result: (png: [UInt8], width: Int, height: Int)? {
        events.lazy.compactMap { if case .result(let p, let w, let h) = $0 { (p, w, h) } else { nil } }.first
    }
    var summary: WireSummary? { events.lazy.compactMap { if case .summary(let s) = $0 { s } else { nil } }.first }
}

/// Runs a call to its end; `onEvent` may act while it runs (e.g. cancel after the first step).
func collect(_ call: GenerateCall, onEvent: (GenerateEvent) async -> Void = { _ in }) async -> CallRecord {
    var r = CallRecord()
    do {
        for try await e in call.events {
            r.events.append(e)
            await onEvent(e)
        }
    } catch let PixClientError.status(s) {
        r.status = s
    } catch {
        r.status = WireStatus(.unavailable, "\(error)")
    }
    return r
}
