import ArgumentParser
import CPUGuard
import Dispatch
import Foundation
import Logging
import PixPipeline
import PixServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: a Unix socket and TCP on loopback, models from ./Models (no configuration needed).",
        discussion: "SIGTERM or SIGINT answers every open call, removes the socket file and exits 0.")

    @Option(help: "Unix socket path (default: $XDG_RUNTIME_DIR/pixwizard.sock or /tmp/pixwizard-$UID.sock).")
    var socket: String?
    @Flag(help: "Do not listen on a Unix socket.") var noUnix = false
    @Option(help: "TCP address to bind; anything but loopback requires --token.") var host = "127.0.0.1"
    @Option(help: "TCP port (0: any free port).") var port = ServerConfiguration.defaultTCPPort
    @Flag(help: "Do not listen on TCP.") var noTcp = false
    @Option(help: "Shared secret required on every call but Health (also $PIXWIZARD_TOKEN).") var token: String?
    @Option(help: "Models directory, one subdirectory per model (default: $PIXWIZARD_MODELS or ./Models).") var models: String?
    @Option(help: "Model used when a request names none (default: pixwizard-mini when present).") var defaultModel: String?
    @Flag(help: "Do not load the default model at start.") var noPreload = false
    @Option(help: "Unload models idle this many seconds (0: never).") var idleUnload: Double = 600
    @Option(help: "Generate jobs that may wait in the queue.") var maxQueue = ServerLimits().maxQueue
    @Option(help: "Largest input or output image, in pixels.") var maxPixels = ServerLimits().maxPixels
    @Option(help: "Most solver steps per request.") var maxSteps = ServerLimits().maxSteps
    @Option(help: "Most concurrent connections.") var maxConnections = ServerLimits().maxConnections
    @Option(help: "Largest frame, in bytes.") var maxFrameBytes = ServerLimits().maxFrameBytes
    @Option(help: "Seconds a frame may take to arrive whole; a peer that stalls mid-frame is disconnected.")
    var frameTimeout = ServerLimits().frameTimeoutSeconds
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() throws {
        BLASEnvironment.ensure()
        guard pixwizard_cpu_supported() == 1 else {
            throw ValidationError("this build needs a CPU with AVX2, FMA and F16C (x86-64-v3)")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "pixwizard.serve")

        var config = ServerConfiguration()
        config.unixSocketPath = noUnix ? nil : (socket ?? ServerConfiguration.defaultUnixSocketPath())
        config.tcpHost = noTcp ? nil : host
        config.tcpPort = port
        config.token = token ?? ProcessInfo.processInfo.environment["PIXWIZARD_TOKEN"]
        if let models { config.modelsDirectory = models }
        config.defaultModel = defaultModel
        config.preloadDefault = !noPreload
        config.idleUnloadSeconds = idleUnload
        config.limits.maxQueue = maxQueue
        config.limits.maxPixels = maxPixels
        config.limits.maxSteps = maxSteps
        config.limits.maxConnections = maxConnections
        config.limits.maxFrameBytes = maxFrameBytes
        config.limits.frameTimeoutSeconds = frameTimeout
        guard frameTimeout > 0, frameTimeout.isFinite else { throw ValidationError("--frame-timeout must be positive") }
        guard config.unixSocketPath != nil || config.tcpHost != nil else {
            throw ValidationError("--no-unix and --no-tcp leave nothing to listen on")
        }

        let daemon = Daemon(configuration: config, loader: { url throws(EngineError) in
            try ModelLoader.load(directory: url.path)
        }, logger: logger)
        let endpoints: Daemon.Endpoints
        do { endpoints = try daemon.start() } catch {
            printError("pixwizard serve: \(error)")
            throw ExitCode(1)
        }
        // Signals: a sigaction handler installed now, before "listening" is printed, wakes this thread.
        guard pixwizard_stop_signals_install() == 0 else {
            daemon.shutdown()
            throw ValidationError("cannot install the SIGTERM/SIGINT handler")
        }
        let signalWaiter = Thread {
            pixwizard_stop_signals_wait()
            daemon.shutdown()
        }
        signalWaiter.start()
        let modelList = daemon.modelNames
        say("pixwizard serve: listening on \(endpoints)")
        say("pixwizard serve: models in \(config.modelsDirectory): \(modelList.isEmpty ? "none" : modelList.joined(separator: ", "))"
              + (daemon.defaultModelName.map { " (default \($0))" } ?? ""))
        daemon.waitUntilStopped()
        say("pixwizard serve: stopped")
    }
}

