import Foundation
import Logging
import NIOCore
import NIOPosix
import PixPipeline
import PixWire
import Synchronization

/// The PixWizard daemon: listeners (Unix socket and/or TCP), connections, the job queue and the
/// inference thread. `start` binds and returns where it listens; `shutdown` answers every open
/// call, removes the socket file and returns once everything has stopped.
public final class Daemon: Sendable {
    public enum StartError: Error, CustomStringConvertible {
        case tokenRequired(String)
        case socket(String)
        case bind(String, String)
        public var description: String {
            switch self {
            case .tokenRequired(let h): "listening on \(h) (beyond loopback) requires a token: pass --token or set PIXWIZARD_TOKEN"
            case .socket(let s): s
            case .bind(let what, let why): "cannot listen on \(what): \(why)"
            }
        }
    }

    /// Where the daemon listens once started.
    public struct Endpoints: Sendable, CustomStringConvertible {
        public var unixSocketPath: String?
        public var tcpHost: String?
        public var tcpPort: Int?
        public var description: String {
            var parts: [String] = []
            if let p = unixSocketPath { parts.append("unix:\(p)") }
            if let h = tcpHost, let p = tcpPort { parts.append("tcp:\(h):\(p)") }
            return parts.joined(separator: " ")
        }
    }

    private let core: DaemonCore
    private let worker: InferenceWorker
    private let group: MultiThreadedEventLoopGroup
    private let listeners = Mutex<[Channel]>([])
    private let stopped = Mutex<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(configuration: ServerConfiguration, loader: @escaping ModelLoadFunction, logger: Logger) {
        core = DaemonCore(config: configuration, loader: loader, logger: logger)
        worker = InferenceWorker(queue: core.queue, registry: core.registry, limits: configuration.limits,
                                 idleUnloadSeconds: configuration.idleUnloadSeconds, logger: logger)
        // Connections are cheap to serve; the cores belong to the inference thread.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Binds the listeners and starts the inference thread.
    public func start() throws -> Endpoints {
        let config = core.config
        if let host = config.tcpHost, !ServerConfiguration.isLoopback(host), config.token == nil {
            throw StartError.tokenRequired(host)
        }
        var endpoints = Endpoints()
        let core = self.core
        func bootstrap(tcp: Bool) -> ServerBootstrap {
            var b = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 8 << 20))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ConnectionHandler(core: core))
                    }
                }
            if tcp {
                b = b.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            }
            return b
        }
        do {
            if let path = config.unixSocketPath {
                do { try UnixSocketPath.prepare(path) } catch { throw StartError.socket(error.description) }
                // Created 0600: only this user may connect.
                let old = umask(0o177)
                defer { umask(old) }
                do {
                    let ch = try bootstrap(tcp: false).bind(unixDomainSocketPath: path).wait()
                    listeners.withLock { $0.append(ch) }
                } catch { throw StartError.bind("unix:\(path)", "\(error)") }
                chmod(path, 0o600)
                endpoints.unixSocketPath = path
            }
            if let host = config.tcpHost {
                do {
                    let ch = try bootstrap(tcp: true).bind(host: host, port: config.tcpPort).wait()
                    listeners.withLock { $0.append(ch) }
                    endpoints.tcpHost = host
                    endpoints.tcpPort = ch.localAddress?.port ?? config.tcpPort
                } catch { throw StartError.bind("tcp:\(host):\(config.tcpPort)", "\(error)") }
            }
        } catch {
            closeListeners()
            try? group.syncShutdownGracefully()
            throw error
        }
        worker.start()
        if config.preloadDefault, let name = core.registry.defaultName {
            let registry = core.registry, logger = core.logger
            _ = core.queue.submitControl(run: {
                do {
                    let (_, s) = try registry.model(named: name)
                    logger.info("loaded default model", metadata: ["model": "\(name)", "seconds": "\(s ?? 0)"])
                } catch {
                    logger.error("default model failed to load", metadata: ["model": "\(name)", "error": "\(error)"])
                }
            }, abort: {})
        }
        return endpoints
    }

    public var defaultModelName: String? { core.registry.defaultName }
    public var modelNames: [String] { core.registry.available() }

    /// Stops accepting, answers queued calls UNAVAILABLE, stops the running job (answered by the
    /// worker), waits for the inference thread, flushes and closes connections, removes the socket.
    /// Safe to call more than once and from any thread; returns when done.
    public func shutdown() {
        guard core.beginShutdown() else { return waitUntilStopped() }
        core.logger.info("shutting down")
        closeListeners()
        for item in core.queue.close(.shutdown) {
            switch item {
            case .generate(let job):
                job.stop(.shutdown)
                job.sink.finish(StopReason.shutdown.status)
            case .control(_, let abort):
                abort()
            }
        }
        worker.join()
        // Give peers a moment to take what was written, then close.
        let until = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < until && core.openConnections.contains(where: { $0.output.pendingBytes > 0 }) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        for c in core.openConnections { try? c.output.channel.close().wait() }
        if let path = core.config.unixSocketPath { unlink(path) }
        try? group.syncShutdownGracefully()
        stopped.withLock { $0 = true }
        finished.signal()
    }

    /// Blocks until `shutdown` has finished.
    public func waitUntilStopped() {
        if stopped.withLock({ $0 }) { return }
        finished.wait()
        finished.signal()
    }

    private func closeListeners() {
        let chans = listeners.withLock { l in defer { l.removeAll() }; return l }
        for ch in chans { try? ch.close().wait() }
    }
}
