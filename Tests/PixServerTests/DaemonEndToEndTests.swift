import Foundation
import PixClient
import PixImage
import Testing

/// End to end: the real `pixwizard serve` binary, real sockets, the real loader and the test model.
@Suite(.serialized) struct DaemonEndToEndTests {
    /// A job long enough to be cancelled mid-way (many steps of the test model).
    static func longJob(seed: UInt64 = 1, previews: Bool = false) -> GenerateParams {
        GenerateParams(image: .png(TestDaemon.testPNG()), instruction: "remove the noise", seed: seed, steps: 200,
                       previewEvery: previews ? 1 : 0)
    }

    static func shortJob(seed: UInt64 = 1, steps: UInt32 = 4) -> GenerateParams {
        GenerateParams(image: .png(TestDaemon.testPNG(seed: Int(seed))), instruction: "remove the noise", seed: seed, steps: steps)
    }

    @Test func healthAndServerInfoOnUnixAndTCP() async throws {
        let d = try TestDaemon(["--max-queue", "5", "--max-steps", "200"])
        for tcp in [false, true] {
            let c = try await d.client(tcp: tcp)
            #expect(try await c.health())
            let info = try await c.serverInfo()
            #expect(info.protocolVersion == 1 && !info.version.isEmpty)
            #expect(info.limits?.maxQueue == 5 && info.limits?.maxSteps == 200)
            #expect(info.capabilities.contains("generate") && info.capabilities.contains("preview.rgb8.zstd"))
            let m = try #require(info.models.first { $0.name == "test-random" })
            #expect(m.isDefault)
            await c.close()
        }
        // The socket is private to this user.
        let attrs = try FileManager.default.attributesOfItem(atPath: d.socketPath)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        #expect(d.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: d.socketPath))
    }

    @Test func generateStreamsPreviewsEveryStep() async throws {
        let d = try TestDaemon()
        let c = try await d.client()
        let steps = 6
        var p = Self.shortJob(seed: 7, steps: UInt32(steps))
        p.previewEvery = 1
        p.previewMaxSize = 16
        let r = await collect(c.generate(p))
        #expect(r.status.code == .ok, "\(r.status)")
        #expect(r.accepted?.seed == 7 && r.accepted?.steps == UInt32(steps))
        #expect(r.positions.last == 0)
        #expect(r.progressSteps == Array(1...steps))
        #expect(r.previews.map(\.step) == Array(1...steps))
        for pv in r.previews {
            #expect(pv.total == steps && max(pv.width, pv.height) <= 16 && pv.rgb.count == pv.width * pv.height * 3)
        }
        #expect(zip(r.previews, r.previews.dropFirst()).allSatisfy { $0.t < $1.t || $0.step < $1.step })
        let res = try #require(r.result)
        let img = try PNGCodec.decode(res.png)
        #expect(img.width == res.width && img.height == res.height && img.width > 0)
        // Accepted announced the output size before the job ran.
        #expect(r.accepted?.width == UInt32(res.width) && r.accepted?.height == UInt32(res.height), "\(String(describing: r.accepted))")
        let s = try #require(r.summary)
        #expect(s.seed == 7 && s.steps == UInt32(steps) && s.totalSeconds > 0)
        // Event order: accepted first, stages before progress, result then summary last.
        if case .accepted = r.events.first {} else { Issue.record("first event is not Accepted") }
        if case .summary = r.events.last {} else { Issue.record("last event is not Summary") }
        let firstStages = r.events.firstIndex { if case .stages = $0 { true } else { false } } ?? .max
        let firstProgress = r.events.firstIndex { if case .progress = $0 { true } else { false } } ?? .max
        #expect(firstStages < firstProgress)
        // Same seed, same result (the request fully determines the output).
        let again = await collect(c.generate(p))
        #expect(again.result?.png == res.png)
        await c.close()
        #expect(d.stop() == 0)
    }

    @Test func fourConcurrentCallsOnOneConnectionAndOnFour() async throws {
        let d = try TestDaemon()
        for separate in [false, true] {
            let shared = try await d.client()
            let records = try await withThrowingTaskGroup(of: (UInt64, CallRecord).self) { g in
                for i in 1...4 {
                    let seed = UInt64(100 + i)
                    g.addTask {
                        let c = separate ? try await d.client(tcp: i % 2 == 0) : shared
                        let r = await collect(c.generate(Self.shortJob(seed: seed, steps: 8)))
                        if separate { await c.close() }
                        return (seed, r)
                    }
                }
                var out: [(UInt64, CallRecord)] = []
                for try await x in g { out.append(x) }
                return out
            }
            await shared.close()
            #expect(records.count == 4)
            for (seed, r) in records {
                #expect(r.status.code == .ok, "\(r.status)")
                #expect(r.accepted?.seed == seed && r.summary?.seed == seed, "results mixed up")
                #expect(r.progressSteps == Array(1...8))
                #expect(r.positions.last == 0)
            }
            // With one worker, at least one call waited behind others.
            #expect(records.contains { $0.1.positions.contains { $0 > 0 } }, "no queue position > 0 reported")
            // Each result is what the same request alone gives (nothing mixed up between calls).
            let check = try await d.client()
            for (seed, r) in records.prefix(2) {
                let alone = await collect(check.generate(Self.shortJob(seed: seed, steps: 8)))
                #expect(alone.result?.png == r.result?.png)
            }
            await check.close()
        }
        #expect(d.stop() == 0)
    }

    @Test func cancelByIdStopsWithinAStepAndTheNextJobRuns() async throws {
        let d = try TestDaemon()
        let c = try await d.client()
        let long = c.generate(Self.longJob(seed: 1))
        let next = c.generate(Self.shortJob(seed: 2))
        let stepAtCancel = Mutex<Int>(0)
        let r = await collect(long) { e in
            if case .progress(.denoise, let s, _) = e, stepAtCancel.withLock({ $0 }) == 0 {
                stepAtCancel.withLock { $0 = s }
                _ = try? await long.cancel()
            }
        }
        #expect(r.status.code == .cancelled, "\(r.status)")
        let at = stepAtCancel.withLock { $0 }
        #expect(at > 0)
        // Honoured between steps: at most a step or two after the cancel was sent.
        #expect((r.progressSteps.last ?? 0) <= at + 2, "ran \(r.progressSteps.last ?? 0) steps after cancel at \(at)")
        #expect(r.result == nil)
        let n = await collect(next)
        #expect(n.status.code == .ok, "\(n.status)")
        #expect(try await c.cancel(callId: 9999) == false)
        await c.close()
        #expect(d.stop() == 0)
    }

    @Test func disconnectCancelsAndTheNextJobRuns() async throws {
        let d = try TestDaemon()
        let a = try await d.client()
        let b = try await d.client()
        let long = a.generate(Self.longJob(seed: 3))
        var it = long.events.makeAsyncIterator()
        // Wait until it is running (first denoise step), then vanish.
        while let e = try await it.next() { if case .progress(.denoise, _, _) = e { break } }
        let start = ContinuousClock.now
        let queued = b.generate(Self.shortJob(seed: 4))
        await a.close()
        let r = await collect(queued)
        #expect(r.status.code == .ok, "\(r.status)")
        // The long job (200 steps) did not run to its end first.
        let waited = ContinuousClock.now - start
        #expect(waited < .seconds(30), "next job waited \(waited)")
        #expect(try await b.health())
        await b.close()
        #expect(d.stop() == 0)
    }

    @Test func queueFullDeadlineAndLimits() async throws {
        let d = try TestDaemon(["--max-queue", "1", "--max-pixels", "10000", "--max-steps", "200"])
        let c = try await d.client()
        let running = c.generate(Self.longJob(seed: 5))
        var it = running.events.makeAsyncIterator()
        while let e = try await it.next() { if case .progress(.denoise, _, _) = e { break } }
        let waiting = c.generate(Self.shortJob(seed: 6))
        // Wait until the second one is queued, then a third is refused.
        var wit = waiting.events.makeAsyncIterator()
        while let e = try await wit.next() { if case .queuePosition = e { break } }
        let third = await collect(c.generate(Self.shortJob(seed: 7)))
        #expect(third.status.code == .resourceExhausted, "\(third.status)")
        // A queued job cancelled by id leaves the queue at once.
        try await waiting.cancel()
        var waitingStatus: WireStatusCode = .ok
        do { while try await wit.next() != nil {} } catch let PixClientError.status(s) { waitingStatus = s.code }
        #expect(waitingStatus == .cancelled)
        // A deadline that passes while waiting behind the running job.
        var dl = Self.shortJob(seed: 8)
        dl.deadlineMs = 1
        let r = await collect(c.generate(dl))
        #expect(r.status.code == .deadlineExceeded, "\(r.status)")
        try await running.cancel()
        while (try? await it.next()) != nil {}
        await c.close()
        #expect(d.stop() == 0)
    }

    @Test func badInputIsAnsweredWhileAnotherClientsGenerateCompletes() async throws {
        let d = try TestDaemon(["--max-pixels", "65536", "--max-steps", "200", "--max-frame-bytes", "1000000",
                                "--frame-timeout", "1"])
        let good = try await d.client(tcp: true)
        var p = Self.shortJob(seed: 11, steps: 40)
        p.previewEvery = 1
        let goodCall = good.generate(p)
        let goodTask = Task { await collect(goodCall) }

        let bad = try await d.client()
        func status(_ g: GenerateParams) async -> WireStatusCode { await collect(bad.generate(g)).status.code }
        var g = Self.shortJob()
        g.image = .png([0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
        #expect(await status(g) == .invalidArgument)                       // truncated PNG
        g.image = .png(Array(TestDaemon.testPNG().prefix(60)))
        #expect(await status(g) == .invalidArgument)                       // PNG cut in its data
        g.image = .png(Array("not a png at all".utf8))
        #expect(await status(g) == .invalidArgument)
        var huge = Array(TestDaemon.testPNG().prefix(33))                   // header claims 50000x50000
        huge[16...23] = [0, 0, 0xC3, 0x50, 0, 0, 0xC3, 0x50][...]
        g.image = .png(huge)
        #expect(await status(g) == .resourceExhausted)                     // checked from the header
        g.image = nil
        #expect(await status(g) == .invalidArgument)
        g = Self.shortJob(); g.model = "no-such-model"
        #expect(await status(g) == .notFound)
        g = Self.shortJob(); g.steps = 100_000
        #expect(await status(g) == .invalidArgument)
        g = Self.shortJob(); g.solver = WireSolver(rawValue: 42)
        #expect(await status(g) == .invalidArgument)
        g = Self.shortJob(); g.textGuidance = .nan
        #expect(await status(g) == .invalidArgument)
        g = Self.shortJob(); g.image = .raw(width: 4, height: 4, format: .rgb8, pixels: [1, 2, 3])
        #expect(await status(g) == .invalidArgument)
        do { _ = try await bad.loadModel("../etc"); Issue.record("loaded ../etc") } catch let e as PixClientError {
            #expect(e.code == .notFound)
        }
        #expect(try await bad.health())

        // Raw sockets: a frame that lies about its length, garbage, a bad protobuf, a peer that stops reading.
        #expect(try rawExchange(d.socketPath, [0x00, 0x7F, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 64))
                    .contains("exceeds the maximum"))
        #expect(try rawExchange(d.socketPath, Array("GET / HTTP/1.1\r\n\r\n".utf8)).contains("reserved bits"))
        #expect(try rawExchange(d.socketPath, Frame(payload: [0x0A, 0x10, 0x01]).bytes).contains("malformed"))
        // Half a frame, then silence: answered and closed after --frame-timeout (1 s), not held forever.
        let half = Array(ClientMessage(callId: 1, body: .health).frameBytes().prefix(4))
        let halfAnswer = try rawExchange(d.socketPath, half)
        #expect(halfAnswer.contains("incomplete"), "\(halfAnswer)")
        let stalled = try stalledReader(d.socketPath)   // asks for previews, never reads
        defer { close(stalled) }

        let r = await goodTask.value
        #expect(r.status.code == .ok, "\(r.status)")
        #expect(r.progressSteps == Array(1...40))
        let badHealthy = try await bad.health()
        let goodHealthy = try await good.health()
        #expect(badHealthy && goodHealthy)
        await bad.close(); await good.close()
        #expect(d.stop() == 0)
    }

    @Test func sigtermAnswersOpenCallsRemovesTheSocketAndExitsZero() async throws {
        let d = try TestDaemon()
        let c = try await d.client()
        let running = c.generate(Self.longJob(seed: 1))
        var it = running.events.makeAsyncIterator()
        while let e = try await it.next() { if case .progress(.denoise, _, _) = e { break } }
        let queued = c.generate(Self.shortJob(seed: 2))
        var qit = queued.events.makeAsyncIterator()
        while let e = try await qit.next() { if case .queuePosition = e { break } }
        let code = d.stop()
        #expect(code == 0)
        var statuses: [WireStatusCode] = []
        for var i in [it, qit] {
            do { while try await i.next() != nil {} } catch let PixClientError.status(s) { statuses.append(s.code) } catch {
                Issue.record("call ended without a status: \(error)")
            }
        }
        #expect(statuses == [.unavailable, .unavailable])
        #expect(!FileManager.default.fileExists(atPath: d.socketPath))
        await c.close()
    }

    @Test func staleSocketIsReplacedLiveOneIsNot() async throws {
        let d = try TestDaemon(tcp: false)
        // A second daemon on the same (live) socket refuses to start.
        let second = Process()
        second.executableURL = URL(fileURLWithPath: TestDaemon.binary)
        second.arguments = ["serve", "--socket", d.socketPath, "--no-tcp", "--models", try TestDaemon.modelsDirectory.get()]
        let pipe = Pipe()
        second.standardOutput = pipe; second.standardError = pipe
        try second.run()
        second.waitUntilExit()
        #expect(second.terminationStatus != 0)
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("already listening"))
        // Kill it hard: the socket file stays behind, stale; the next daemon replaces it.
        kill(d.process.processIdentifier, SIGKILL)
        _ = d.stop()   // waits for the exit (SIGTERM to a dead pid is harmless)
        #expect(FileManager.default.fileExists(atPath: d.socketPath))
        let third = try TestDaemon(["--socket", d.socketPath], tcp: false)
        let c = try await PixClient.connect(to: .unix(d.socketPath))
        #expect(try await c.health())
        await c.close()
        #expect(third.stop() == 0)
    }

    @Test func tokenRequiredBeyondLoopback() async throws {
        // Any address but loopback without a token: refused at start.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestDaemon.binary)
        p.arguments = ["serve", "--no-unix", "--host", "0.0.0.0", "--port", "0", "--models", try TestDaemon.modelsDirectory.get()]
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("requires a token"))
        let d = try TestDaemon(["--host", "0.0.0.0", "--token", "s3cret", "--no-preload"])
        let anon = try await d.client(tcp: true)
        #expect(try await anon.health())   // Health is exempt
        do { _ = try await anon.listModels(); Issue.record("listed without a token") } catch let e as PixClientError {
            #expect(e.code == .unauthenticated)
        }
        let wrong = try await d.client(tcp: true, token: "s3cres")
        await #expect(throws: PixClientError.self) { try await wrong.serverInfo() }
        let ok = try await d.client(tcp: true, token: "s3cret")
        #expect(try await ok.listModels().contains { $0.name == "test-random" })
        await anon.close(); await wrong.close(); await ok.close()
        #expect(d.stop() == 0)
    }

    /// The converted (fake) official checkpoint is listed from its config before any load, refuses a size
    /// off its 16-pixel grid at once, and runs Gemma + CLIP + VAE + the DiT with three-branch CFG in the daemon.
    @Test func convertedOfficialCheckpointRunsInTheDaemon() async throws {
        let d = try TestDaemon()
        let c = try await d.client()
        let name = TestDaemon.officialFixtureName
        let listed = try #require(try await c.listModels().first { $0.name == name })
        #expect(listed.family == "pixwizard-official" && !listed.loaded && listed.sizeMultiple == 16
                && listed.defaultSteps == 59 && listed.defaultResolution == 768 && !listed.tasks.isEmpty, "\(listed)")

        var bad = Self.shortJob(seed: 3, steps: 2)
        bad.model = name
        bad.width = 40; bad.height = 40
        let refused = await collect(c.generate(bad))
        #expect(refused.status.code == .invalidArgument && refused.status.message.contains("16"), "\(refused.status)")

        var p = GenerateParams(image: .png(TestDaemon.testPNG(48, 32)), instruction: "Remove the rain from this photo.",
                               model: name, seed: 11, steps: 3, textGuidance: 4, imageGuidance: 1.5, width: 64, height: 48,
                               previewEvery: 1)
        p.previewMaxSize = 32
        let r = await collect(c.generate(p))
        #expect(r.status.code == .ok, "\(r.status)")
        #expect(r.accepted?.width == 64 && r.accepted?.height == 48 && r.accepted?.steps == 3)
        #expect(r.progressSteps == [1, 2, 3] && r.previews.map(\.step) == [1, 2, 3])
        #expect(r.previews.allSatisfy { max($0.width, $0.height) <= 32 })
        let res = try #require(r.result)
        let img = try PNGCodec.decode(res.png)
        #expect(img.width == 64 && img.height == 48)
        let stages = r.summary?.timings.map(\.stage) ?? []
        print("official fake checkpoint in the daemon: stages \(stages), total \(r.summary?.totalSeconds ?? -1) s")
        // Deterministic for a seed; the model stays loaded.
        let again = await collect(c.generate(p))
        #expect(again.result?.png == res.png)
        #expect(try await c.listModels().first { $0.name == name }?.loaded == true)
        // Default bucket: a 48x32 input goes to the 768 bucket with the closest aspect ratio (3:2 → 944x624).
        var q = p
        q.width = 0; q.height = 0; q.steps = 1; q.previewEvery = 0
        let b = await collect(c.generate(q))
        #expect(b.status.code == .ok, "\(b.status)")
        let acc = try #require(b.accepted), br = try #require(b.result)
        #expect(Int(acc.width) == br.width && Int(acc.height) == br.height && br.width > br.height
                && br.width * br.height <= 768 * 768 && br.width % 16 == 0 && br.height % 16 == 0, "\(acc) \(br.width)x\(br.height)")
        await c.close()
        #expect(d.stop() == 0)
    }

    /// Started without OPENBLAS_THREAD_TIMEOUT, `serve` sets it and re-executes itself (same pid), so its
    /// OpenBLAS threads do not spin between calls; it then serves as usual.
    @Test func serveSetsTheBLASEnvironmentItself() async throws {
        let d = try TestDaemon(tcp: false, blasEnvironment: false)
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(d.process.processIdentifier)/environ"))
        let vars = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(vars.contains("OPENBLAS_THREAD_TIMEOUT=1"), "\(vars.filter { $0.hasPrefix("OPENBLAS") })")
        let c = try await d.client()
        let r = await collect(c.generate(Self.shortJob(seed: 2, steps: 2)))
        #expect(r.status.code == .ok, "\(r.status)")
        await c.close()
        #expect(d.stop() == 0)
    }

    @Test func cliHelpAndEdit() async throws {
        for sub in [[], ["serve"], ["edit"], ["models"], ["health"], ["info"], ["batch"]] {
            let (code, out) = try run(TestDaemon.binary, sub + ["--help"])
            #expect(code == 0 && out.contains("USAGE"), "\(sub) --help")
        }
        let d = try TestDaemon()
        let input = d.dir.appendingPathComponent("in.png").path
        try Data(TestDaemon.testPNG()).write(to: URL(fileURLWithPath: input))
        let out = d.dir.appendingPathComponent("out.png").path
        let prev = d.dir.appendingPathComponent("prev").path
        let (code, text) = try run(TestDaemon.binary, ["edit", input, "remove the noise", "-o", out, "--address", d.socketPath,
                                                      "--steps", "3", "--seed", "5", "--save-previews", prev])
        #expect(code == 0, "\(text)")
        let img = try PNGCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(img.width > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: prev).sorted() ==
                ["preview-0001.png", "preview-0002.png", "preview-0003.png"])
        let (hc, ht) = try run(TestDaemon.binary, ["health", "--address", "127.0.0.1:\(d.tcpPort)"])
        #expect(hc == 0 && ht.contains("serving"))
        let (mc, mt) = try run(TestDaemon.binary, ["models", "--address", d.socketPath])
        #expect(mc == 0 && mt.contains("test-random"))
        #expect(d.stop() == 0)
    }
}

import Synchronization

func run(_ exe: String, _ args: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe; p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Connects a plain Unix socket, sends `bytes`, returns the status message the daemon answers on
/// call 0 (then the daemon closes or we stop reading after 2 s).
func rawExchange(_ path: String, _ bytes: [UInt8]) throws -> String {
    let fd = try rawConnect(path)
    defer { close(fd) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var tv = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var got: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        got += buf[0..<n]
    }
    var d = FrameDecoder()
    d.append(got)
    var messages: [String] = []
    while let f = try d.next() {
        if case .status(let s)? = try ServerMessage.decode(f.message()).body { messages.append(s.message) }
    }
    return messages.joined(separator: "; ")
}

func rawConnect(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
    let r = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard fd >= 0, r == 0 else { throw TestFailure("connect \(path) failed") }
    return fd
}

/// A peer that starts a Generate with full-size previews every step and never reads a byte.
func stalledReader(_ path: String) throws -> Int32 {
    let fd = try rawConnect(path)
    var rcv: Int32 = 4096
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, socklen_t(MemoryLayout<Int32>.size))
    let msg = ClientMessage(callId: 1, body: .generate(GenerateParams(
        image: .png(TestDaemon.testPNG()), instruction: "remove the noise", steps: 30, previewEvery: 1)))
    let bytes = msg.frameBytes()
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    return fd
}
