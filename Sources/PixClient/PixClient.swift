@_exported import PixWire
import NIOCore
import NIOPosix
import PixWire
import Synchronization

/// An async client of the PixWizard daemon: one connection, any number of concurrent calls.
///
///     let client = try await PixClient.connect(to: .unix("/tmp/pixwizard-1000.sock"))
///     let call = client.generate(GenerateParams(image: .png(bytes), instruction: "remove the noise"))
///     for try await event in call.events { ... }
public final class PixClient: Sendable {
    private let channel: Channel
    private let router: CallRouter
    private let token: String
    private let nextCallId = Atomic<UInt64>(1)
    private let ownsGroup: Bool
    private let group: EventLoopGroup

    private init(channel: Channel, router: CallRouter, token: String, group: EventLoopGroup, ownsGroup: Bool) {
        self.channel = channel; self.router = router; self.token = token; self.group = group; self.ownsGroup = ownsGroup
    }

    /// Connects to a daemon. `token` is sent on every call (needed beyond loopback).
    public static func connect(to endpoint: PixEndpoint, token: String = "",
                               maxFrameBytes: Int = Frame.defaultMaxBytes,
                               group: EventLoopGroup? = nil) async throws -> PixClient {
        let ownsGroup = group == nil
        let g = group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let router = CallRouter()
        var bootstrap = ClientBootstrap(group: g)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(router: router, maxFrameBytes: maxFrameBytes))
                }
            }
        do {
            let channel: Channel
            switch endpoint {
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port):
                bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
                channel = try await bootstrap.connect(host: host, port: port).get()
            }
            return PixClient(channel: channel, router: router, token: token, group: g, ownsGroup: ownsGroup)
        } catch {
            if ownsGroup { try? await g.shutdownGracefully() }
            throw PixClientError.connectFailed("\(endpoint): \(error)")
        }
    }

    /// Closes the connection; open calls end with `connectionClosed`.
    public func close() async {
        try? await channel.close()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    private func makeCallId() -> UInt64 { nextCallId.add(1, ordering: .relaxed).oldValue }

    private func send(_ id: UInt64, _ body: ClientMessage.Body) {
        let bytes = ClientMessage(callId: id, token: token, body: body).frameBytes()
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    /// One unary call: the reply body (nil for calls with none), or a thrown status.
    private func unary(_ body: ClientMessage.Body) async throws -> ServerMessage.Body? {
        let id = makeCallId()
        return try await withCheckedThrowingContinuation { cont in
            router.open(id, .unary(cont))
            send(id, body)
        }
    }

    public func health() async throws -> Bool {
        guard case .health(let serving) = try await unary(.health) else { throw PixClientError.protocolError("Health without a HealthReply") }
        return serving
    }

    public func serverInfo() async throws -> WireServerInfo {
        guard case .serverInfo(let info) = try await unary(.serverInfo) else { throw PixClientError.protocolError("ServerInfo without a reply") }
        return info
    }

    public func listModels() async throws -> [WireModelInfo] {
        guard case .listModels(let m) = try await unary(.listModels) else { throw PixClientError.protocolError("ListModels without a reply") }
        return m
    }

    public func loadModel(_ name: String) async throws -> WireModelInfo {
        guard case .loadModel(let m) = try await unary(.loadModel(name: name)) else { throw PixClientError.protocolError("LoadModel without a reply") }
        return m
    }

    public func unloadModel(_ name: String) async throws {
        _ = try await unary(.unloadModel(name: name))
    }

    /// Cancels another call of this connection; true when the daemon still had it.
    @discardableResult
    public func cancel(callId: UInt64) async throws -> Bool {
        guard case .cancel(let found) = try await unary(.cancel(targetCallId: callId)) else { throw PixClientError.protocolError("Cancel without a reply") }
        return found
    }

    /// Starts a Generate call. Its events arrive on `events`; ending the iteration early (or
    /// `cancel()`) cancels the job on the daemon.
    public func generate(_ params: GenerateParams) -> GenerateCall {
        let id = makeCallId()
        let (stream, continuation) = AsyncThrowingStream<GenerateEvent, Error>.makeStream()
        router.open(id, .stream(continuation))
        continuation.onTermination = { [weak self] reason in
            if case .cancelled = reason, let self { Task { try? await self.cancel(callId: id) } }
        }
        send(id, .generate(params))
        return GenerateCall(callId: id, events: stream, client: self)
    }
}

/// A running Generate call.
public struct GenerateCall: Sendable {
    public let callId: UInt64
    public let events: AsyncThrowingStream<GenerateEvent, Error>
    let client: PixClient

    /// Asks the daemon to stop this job; the stream then throws a CANCELLED status.
    @discardableResult
    public func cancel() async throws -> Bool { try await client.cancel(callId: callId) }
}
