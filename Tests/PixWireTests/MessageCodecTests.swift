import Foundation
import Testing
import PixWire

@Suite struct MessageCodecTests {
    static let clientMessages: [ClientMessage] = [
        ClientMessage(callId: 1, body: .health),
        ClientMessage(callId: 2, token: "tok", body: .serverInfo),
        ClientMessage(callId: 3, body: .listModels),
        ClientMessage(callId: 4, body: .loadModel(name: "pixwizard-mini")),
        ClientMessage(callId: 5, body: .unloadModel(name: "test-random")),
        ClientMessage(callId: 6, body: .cancel(targetCallId: 99)),
        ClientMessage(callId: 7, body: .generate(GenerateParams(
            image: .png([0x89, 0x50, 0x4E, 0x47]), instruction: "remove the noise ✨", model: "m", seed: .max, steps: 30,
            solver: .midpoint, textGuidance: 0, imageGuidance: 1.5, resolution: 512, width: 64, height: 48,
            previewEvery: 2, previewMaxSize: 32, deadlineMs: 1000))),
        ClientMessage(callId: 8, body: .generate(GenerateParams(
            image: .raw(width: 2, height: 1, format: .rgb8, pixels: [1, 2, 3, 4, 5, 6]), instruction: ""))),
        ClientMessage(callId: 9, body: .generate(GenerateParams(image: nil, instruction: "x", solver: WireSolver(rawValue: 77)))),
        ClientMessage(callId: 10, body: nil),
    ]

    static let serverMessages: [ServerMessage] = [
        ServerMessage(callId: 1, body: .health(serving: true)),
        ServerMessage(callId: 2, body: .serverInfo(WireServerInfo(
            version: "0.1.0", protocolVersion: 1,
            limits: WireLimits(maxFrameBytes: 1 << 26, maxPixels: 1 << 22, maxSteps: 200, maxQueue: 16, maxConnections: 64),
            capabilities: ["health", "generate"],
            models: [WireModelInfo(name: "a", family: "f", description: "d", loaded: true, isDefault: true, defaultSteps: 20,
                                   defaultTextGuidance: 4.5, defaultImageGuidance: 1.5, defaultResolution: 64, sizeMultiple: 16,
                                   tasks: [WireTask(name: "denoise", example: "remove the noise")]),
                     WireModelInfo(name: "b")]))),
        ServerMessage(callId: 3, body: .listModels([])),
        ServerMessage(callId: 4, body: .loadModel(WireModelInfo(name: "a", loaded: true))),
        ServerMessage(callId: 5, body: .unloadModel),
        ServerMessage(callId: 6, body: .cancel(found: true)),
        ServerMessage(callId: 7, body: .accepted(WireAccepted(jobId: 1, seed: 2, width: 3, height: 4, steps: 5))),
        ServerMessage(callId: 7, body: .queuePosition(3)),
        ServerMessage(callId: 7, body: .stages([.load, .preprocess, .encodeText, .encodeImage, .denoise, .decode])),
        ServerMessage(callId: 7, body: .progress(stage: .denoise, step: 3, total: 30)),
        ServerMessage(callId: 7, body: .preview(WirePreview(step: 1, total: 2, t: 0.5, width: 1, height: 1, data: [1, 2]))),
        ServerMessage(callId: 7, body: .result(png: [9, 9, 9], width: 64, height: 64)),
        ServerMessage(callId: 7, body: .summary(WireSummary(timings: [WireStageTiming(stage: .denoise, seconds: 1.25)],
                                                            totalSeconds: 2, queueSeconds: 0.5, seed: 42, steps: 30))),
        ServerMessage(callId: 7, body: .status(WireStatus(.resourceExhausted, "queue full"))),
        ServerMessage(callId: 0, body: .status(WireStatus(WireStatusCode(rawValue: 99), "from the future"))),
    ]

    @Test func clientRoundTrip() throws {
        for m in Self.clientMessages {
            #expect(try ClientMessage.decode(m.encoded()) == m)
        }
    }

    @Test func serverRoundTrip() throws {
        for m in Self.serverMessages {
            #expect(try ServerMessage.decode(m.encoded()) == m)
        }
    }

    @Test func malformedProtobufIsATypedError() throws {
        // Field 1 as a length-delimited field that runs past the end.
        #expect(throws: WireError.self) { try ClientMessage.decode([0x0A, 0x10, 0x01]) }
        #expect(throws: WireError.self) { try ServerMessage.decode([0xFF, 0xFF, 0xFF]) }
        // Empty bytes are a valid empty message: call 0, no body.
        #expect(try ClientMessage.decode([]) == ClientMessage(callId: 0, body: nil))
    }

    @Test func previewPixelsAreChecked() throws {
        let rgb: [UInt8] = [255, 0, 0, 0, 0, 255]
        let p = WirePreview(step: 1, total: 1, t: 1, width: 2, height: 1, data: try Zstd.compress(rgb))
        #expect(try p.pixels() == rgb)
        var lying = p
        lying.width = 3
        #expect(throws: WireError.self) { try lying.pixels() }
    }
}

/// The golden frames of docs/PROTOCOL.md: each decodes to the documented message and re-encodes to
/// the same bytes (the hex was produced independently, by Python's protobuf runtime).
@Suite struct GoldenFrameTests {
    static let expectedClient: [String: ClientMessage] = [
        "client-health": ClientMessage(callId: 1, body: .health),
        "client-generate": ClientMessage(callId: 7, body: .generate(GenerateParams(
            image: .png([0x89, 0x50, 0x4E, 0x47]), instruction: "remove the noise", seed: 42, steps: 4,
            textGuidance: 4.5, previewEvery: 1, previewMaxSize: 64))),
        "client-cancel": ClientMessage(callId: 8, token: "s3cret", body: .cancel(targetCallId: 7)),
    ]
    static let expectedServer: [String: ServerMessage] = [
        "server-health": ServerMessage(callId: 1, body: .health(serving: true)),
        "server-status-ok": ServerMessage(callId: 1, body: .status(.ok)),
        "server-accepted": ServerMessage(callId: 7, body: .accepted(WireAccepted(jobId: 3, seed: 42, width: 64, height: 64, steps: 4))),
        "server-queue-position": ServerMessage(callId: 7, body: .queuePosition(2)),
        "server-stages": ServerMessage(callId: 7, body: .stages([.preprocess, .denoise, .decode])),
        "server-progress": ServerMessage(callId: 7, body: .progress(stage: .denoise, step: 2, total: 4)),
        "server-preview": ServerMessage(callId: 7, body: .preview(WirePreview(
            step: 1, total: 4, t: 0.25, width: 2, height: 1,
            data: [0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x06, 0x31, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF]))),
        "server-status-cancelled": ServerMessage(callId: 7, body: .status(WireStatus(.cancelled, "cancelled by the client"))),
    ]

    /// name -> frame bytes, from the ```golden NAME blocks of docs/PROTOCOL.md.
    static func goldenFrames() throws -> [String: [UInt8]] {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        var out: [String: [UInt8]] = [:]
        var current: String?
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```golden ") {
                current = String(line.dropFirst("```golden ".count)).trimmingCharacters(in: .whitespaces)
                bytes = []
            } else if line.hasPrefix("```"), let name = current {
                out[name] = bytes
                current = nil
            } else if current != nil {
                for h in line.split(separator: " ") { if let b = UInt8(h, radix: 16) { bytes.append(b) } }
            }
        }
        return out
    }

    @Test func everyGoldenFrameIsChecked() throws {
        let names = Set(try Self.goldenFrames().keys)
        #expect(names == Set(Self.expectedClient.keys).union(Self.expectedServer.keys))
    }

    @Test func goldenFramesDecodeAndReencode() throws {
        for (name, bytes) in try Self.goldenFrames() {
            var d = FrameDecoder()
            d.append(bytes)
            let frame = try #require(try d.next(), "\(name): incomplete frame")
            #expect(d.bufferedBytes == 0, "\(name): trailing bytes")
            if let want = Self.expectedClient[name] {
                #expect(try ClientMessage.decode(frame.message()) == want, "\(name)")
                #expect(want.frameBytes() == bytes, "\(name): re-encoded bytes differ")
            } else if let want = Self.expectedServer[name] {
                #expect(try ServerMessage.decode(frame.message()) == want, "\(name)")
                #expect(want.frameBytes() == bytes, "\(name): re-encoded bytes differ")
            }
        }
        // The preview golden frame's pixels: one red, one blue pixel.
        if case .preview(let p)? = Self.expectedServer["server-preview"]?.body {
            #expect(try p.pixels() == [255, 0, 0, 0, 0, 255])
        }
    }
}
