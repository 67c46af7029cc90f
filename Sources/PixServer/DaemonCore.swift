import Logging
import NIOCore
import PixPipeline
import PixWire
import Synchronization

/// State shared by every connection: configuration, models, the queue, open connections.
final class DaemonCore: Sendable {
    let config: ServerConfiguration
    let registry: ModelRegistry
    let queue: JobQueue
    let logger: Logger
    let requireToken: Bool
    private let nextJobId = Atomic<UInt64>(1)
    private let shuttingDown = Atomic<Bool>(false)
    private let connections = Mutex<[ObjectIdentifier: ConnectionState]>([:])

    init(config: ServerConfiguration, loader: @escaping ModelLoadFunction, logger: Logger) {
        self.config = config
        self.registry = ModelRegistry(directory: config.modelsDirectory, defaultModel: config.defaultModel, loader: loader)
        self.queue = JobQueue(capacity: config.limits.maxQueue)
        self.logger = logger
        self.requireToken = config.token != nil
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }
    func beginShutdown() -> Bool { shuttingDown.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }

    func makeJobId() -> UInt64 { nextJobId.add(1, ordering: .relaxed).oldValue }

    /// Registers a new connection; false when `maxConnections` are already open.
    func admit(_ c: ConnectionState) -> Bool {
        connections.withLock { m in
            guard m.count < config.limits.maxConnections else { return false }
            m[ObjectIdentifier(c)] = c
            return true
        }
    }

    func remove(_ c: ConnectionState) { _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(c)) } }

    var openConnections: [ConnectionState] { connections.withLock { Array($0.values) } }

    func serverInfo() -> WireServerInfo {
        WireServerInfo(version: ServerIdentity.version, protocolVersion: WireProtocol.version, limits: config.limits.wire,
                       capabilities: ServerIdentity.capabilities, models: registry.wireModels())
    }

    func authorised(_ token: String) -> Bool {
        guard let want = config.token else { return true }
        return constantTimeEquals(token, want)
    }
}
