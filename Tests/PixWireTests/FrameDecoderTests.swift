import Testing
import PixWire

/// The frame codec as a pure state machine: byte by byte, many in one buffer, truncated, oversize,
/// bad flags, garbage (the swift-nio-extras ByteToMessageDecoderVerifier idea).
@Suite struct FrameDecoderTests {
    static let frames: [Frame] = [
        Frame(payload: []),
        Frame(payload: [0x08, 0x01, 0x52, 0x00]),
        Frame(payload: Array(0..<255).map { UInt8($0) }),
        Frame.wrapping([UInt8](repeating: 7, count: 5000), compress: true),
    ]

    static func stream() -> [UInt8] { frames.flatMap(\.bytes) }

    func drain(_ d: inout FrameDecoder) throws -> [Frame] {
        var out: [Frame] = []
        while let f = try d.next() { out.append(f) }
        return out
    }

    @Test func byteByByte() throws {
        var d = FrameDecoder()
        var got: [Frame] = []
        for b in Self.stream() {
            d.append([b])
            got += try drain(&d)
        }
        #expect(got == Self.frames)
        #expect(d.state == .header && d.bufferedBytes == 0)
    }

    @Test func manyInOneBuffer() throws {
        var d = FrameDecoder()
        d.append(Self.stream() + Self.stream())
        #expect(try drain(&d) == Self.frames + Self.frames)
    }

    @Test func everySplitPoint() throws {
        let s = Self.stream()
        for cut in stride(from: 0, through: s.count, by: 37) {
            var d = FrameDecoder()
            d.append(s[..<cut])
            var got = try drain(&d)
            d.append(s[cut...])
            got += try drain(&d)
            #expect(got == Self.frames, "split at \(cut)")
        }
    }

    @Test func truncatedWaitsForMore() throws {
        var d = FrameDecoder()
        let f = Frame(payload: [1, 2, 3, 4, 5]).bytes
        d.append(f.dropLast())
        #expect(try d.next() == nil)
        #expect(d.state == .payload(flags: 0, length: 5))
        d.append(f.suffix(1))
        #expect(try d.next() == Frame(payload: [1, 2, 3, 4, 5]))
        d.append([0, 0])   // half a header
        #expect(try d.next() == nil)
        #expect(d.state == .header)
    }

    @Test func oversizeRejectedFromTheHeader() {
        var d = FrameDecoder(maxFrameBytes: 1000)
        d.append([0x00, 0x00, 0x00, 0x03, 0xE9])   // 1001, no payload sent at all
        #expect(throws: FrameError.tooLarge(length: 1001, max: 1000)) { try d.next() }
        #expect(d.bufferedBytes == 0)
        // Sticky: the stream cannot be resynchronised.
        d.append(Frame(payload: [1]).bytes)
        #expect(throws: FrameError.self) { try d.next() }
    }

    @Test func lyingLengthNeverAllocatesIt() {
        var d = FrameDecoder()
        d.append([0x00, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: FrameError.tooLarge(length: 0xFFFF_FFFF, max: Frame.defaultMaxBytes)) { try d.next() }
    }

    @Test func badFlags() {
        for flags: UInt8 in [0x02, 0x80, 0xFF, 0x03] {
            var d = FrameDecoder()
            d.append(Frame(flags: flags, payload: [1]).bytes)
            #expect(throws: FrameError.badFlags(flags)) { try d.next() }
        }
    }

    @Test func compressedPayloadRoundTrip() throws {
        let message = [UInt8](repeating: 42, count: 100_000)
        let f = Frame.wrapping(message, compress: true)
        #expect(f.isCompressed && f.payload.count < 1000)
        #expect(try f.message() == message)
        // A compressed payload may not expand beyond the cap (a zstd bomb).
        #expect(throws: FrameError.self) { try f.message(maxBytes: 50_000) }
        // Flag set on bytes that are not zstd.
        #expect(throws: FrameError.self) { try Frame(flags: 1, payload: [1, 2, 3]).message() }
    }

    @Test func garbageNeverCrashes() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<300 {
            var d = FrameDecoder(maxFrameBytes: 4096)
            let n = Int(rng.next() % 300)
            d.append((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            // Either frames, a need for more bytes, or a typed error; never a trap.
            do {
                while let f = try d.next() {
                    _ = try? f.message(maxBytes: 4096)
                    _ = try? ClientMessage.decode(f.payload)
                    _ = try? ServerMessage.decode(f.payload)
                }
            } catch {}
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
