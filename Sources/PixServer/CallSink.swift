import NIOCore
import PixWire
import Synchronization

/// The write side of one connection, usable from any thread (the worker writes events from its own).
/// Counts bytes handed to the channel and not yet written to the socket: a peer that stops reading
/// first loses its previews and progress frames, then its connection.
final class ConnectionOutput: Sendable {
    let channel: Channel
    private let outstanding = Atomic<Int>(0)
    private let dropAbove: Int
    private let closeAbove: Int

    init(channel: Channel, limits: ServerLimits) {
        self.channel = channel
        self.dropAbove = limits.previewDropBytes
        self.closeAbove = limits.stalledPeerBytes
    }

    var pendingBytes: Int { outstanding.load(ordering: .relaxed) }

    /// Queues one frame. Returns false when it was dropped (droppable and the peer is behind) or the
    /// connection was closed for not reading.
    @discardableResult
    func write(_ message: ServerMessage, droppable: Bool = false) -> Bool {
        let pending = outstanding.load(ordering: .relaxed)
        if droppable && pending > dropAbove { return false }
        if pending > closeAbove {
            channel.close(promise: nil)
            return false
        }
        let bytes = message.frameBytes()
        let n = bytes.count
        outstanding.add(n, ordering: .relaxed)
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.writeAndFlush(buffer).whenComplete { [self] _ in
            self.outstanding.subtract(n, ordering: .relaxed)
        }
        return true
    }
}

/// Where one call's frames go; `finish` writes the final status and closes the call.
struct CallSink: Sendable {
    let callId: UInt64
    let connection: ConnectionState

    @discardableResult
    func send(_ body: ServerMessage.Body, droppable: Bool = false) -> Bool {
        connection.output.write(ServerMessage(callId: callId, body: body), droppable: droppable)
    }

    func finish(_ status: WireStatus) {
        connection.output.write(ServerMessage(callId: callId, body: .status(status)))
        connection.endCall(callId)
    }
}
