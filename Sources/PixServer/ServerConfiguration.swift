import Foundation
import PixWire

/// Limits the daemon enforces and reports in ServerInfo.
public struct ServerLimits: Sendable, Equatable {
    public var maxFrameBytes: Int = 64 << 20
    /// Input and output images, width * height.
    public var maxPixels: Int = 2048 * 2048
    public var maxSteps: Int = 200
    /// Generate jobs waiting (the running one not counted); one more is RESOURCE_EXHAUSTED.
    public var maxQueue: Int = 16
    public var maxConnections: Int = 64
    /// Longest side of a preview frame.
    public var maxPreviewSize: Int = 2048
    /// Bytes written to one connection but not yet taken by its peer: past `previewDropBytes`
    /// previews and progress are skipped, past `stalledPeerBytes` the connection is closed.
    public var previewDropBytes: Int = 4 << 20
    public var stalledPeerBytes: Int = 256 << 20
    /// A frame must arrive whole within this many seconds of its first byte; a peer that stops mid-frame
    /// is answered on call 0 and disconnected (so a half-sent frame cannot hold a connection slot forever).
    public var frameTimeoutSeconds: Double = 30

    public init() {}

    var wire: WireLimits {
        WireLimits(maxFrameBytes: UInt64(maxFrameBytes), maxPixels: UInt64(maxPixels), maxSteps: UInt32(maxSteps),
                   maxQueue: UInt32(maxQueue), maxConnections: UInt32(maxConnections))
    }
}

/// Everything `pixwizard serve` can be told; the defaults need no configuration at all.
public struct ServerConfiguration: Sendable {
    public static let defaultTCPPort = 7471
    public static let defaultModelName = "pixwizard-mini"

    /// nil: no Unix socket.
    public var unixSocketPath: String?
    /// nil: no TCP listener. Anything but loopback requires `token`.
    public var tcpHost: String?
    /// 0: an ephemeral port (printed when listening).
    public var tcpPort: Int
    public var token: String?
    public var modelsDirectory: String
    /// nil: "pixwizard-mini" when present, else the first model by name.
    public var defaultModel: String?
    /// Load the default model in the background at start.
    public var preloadDefault: Bool = true
    /// Unload every model after this many idle seconds (0: never).
    public var idleUnloadSeconds: Double = 600
    public var limits = ServerLimits()

    public init(unixSocketPath: String? = ServerConfiguration.defaultUnixSocketPath(),
                tcpHost: String? = "127.0.0.1", tcpPort: Int = ServerConfiguration.defaultTCPPort,
                token: String? = nil, modelsDirectory: String = ServerConfiguration.defaultModelsDirectory(),
                defaultModel: String? = nil) {
        self.unixSocketPath = unixSocketPath
        self.tcpHost = tcpHost
        self.tcpPort = tcpPort
        self.token = token
        self.modelsDirectory = modelsDirectory
        self.defaultModel = defaultModel
    }

    /// $XDG_RUNTIME_DIR/pixwizard.sock when that directory exists, else /tmp/pixwizard-<uid>.sock.
    public static func defaultUnixSocketPath() -> String { DefaultAddress.unixSocketPath() }

    /// $PIXWIZARD_MODELS, else ./Models.
    public static func defaultModelsDirectory() -> String {
        if let dir = ProcessInfo.processInfo.environment["PIXWIZARD_MODELS"], !dir.isEmpty { return dir }
        return FileManager.default.currentDirectoryPath + "/Models"
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}

/// Versions and capabilities reported by ServerInfo.
public enum ServerIdentity {
    public static let version = "0.1.0"
    public static let capabilities = [
        "health", "server-info", "list-models", "load-model", "unload-model", "cancel", "generate",
        "input.png", "input.rgb8", "preview.rgb8.zstd", "deadline", "frame.zstd", "queue-position",
    ]
}
