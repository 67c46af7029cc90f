/// Incremental frame decoder: an explicit state machine fed arbitrary chunks of a byte stream.
///
/// Contract: `append` any bytes (one at a time, many frames at once, split anywhere); `next()` returns
/// the next complete frame, nil when more bytes are needed, or throws once the stream is invalid
/// (and keeps throwing). The length in a header is checked against `maxFrameBytes` as soon as the
/// 5 header bytes are in, before any of the payload is kept; at most one frame's payload is buffered
/// beyond what the caller has already received.
public struct FrameDecoder: Sendable {
    public enum State: Sendable, Equatable {
        /// Waiting for the 5 header bytes.
        case header
        /// Header read; waiting for `length` payload bytes.
        case payload(flags: UInt8, length: Int)
        /// The stream broke a rule; nothing more is decoded.
        case failed(FrameError)
    }

    public let maxFrameBytes: Int
    public private(set) var state: State = .header
    private var buffer: [UInt8] = []
    private var start = 0   // read position inside `buffer`

    public init(maxFrameBytes: Int = Frame.defaultMaxBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes received but not yet returned as part of a frame.
    public var bufferedBytes: Int { buffer.count - start }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if case .failed = state { return }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() throws(FrameError) -> Frame? {
        while true {
            switch state {
            case .failed(let e):
                throw e
            case .header:
                guard bufferedBytes >= Frame.headerSize else { return nil }
                let flags = buffer[start]
                var n = 0
                for i in 1...4 { n = n << 8 | Int(buffer[start + i]) }
                start += Frame.headerSize
                if flags & ~Frame.compressedFlag != 0 { return try fail(.badFlags(flags)) }
                if n > maxFrameBytes { return try fail(.tooLarge(length: n, max: maxFrameBytes)) }
                state = .payload(flags: flags, length: n)
            case .payload(let flags, let n):
                guard bufferedBytes >= n else { return nil }
                let payload = Array(buffer[start..<(start + n)])
                start += n
                state = .header
                if start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
                return Frame(flags: flags, payload: payload)
            }
        }
    }

    private mutating func fail(_ e: FrameError) throws(FrameError) -> Frame? {
        state = .failed(e)
        buffer = []
        start = 0
        throw e
    }
}
