import Foundation
import PixWire

/// Where a daemon listens.
public enum PixEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    /// "unix:/path", "/path" (a socket path), "tcp:host:port" or "host:port".
    public init?(parsing s: String) {
        if s.hasPrefix("unix:") { self = .unix(String(s.dropFirst(5))); return }
        if s.hasPrefix("/") || s.hasPrefix(".") { self = .unix(s); return }
        let rest = s.hasPrefix("tcp:") ? String(s.dropFirst(4)) : s
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self = .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    /// The daemon's default Unix socket, as the C and Python clients find it: $PIXWIZARD_SOCKET, else
    /// $XDG_RUNTIME_DIR/pixwizard.sock when that directory exists, else /tmp/pixwizard-<uid>.sock.
    public static var defaultSocket: PixEndpoint {
        if let p = ProcessInfo.processInfo.environment["PIXWIZARD_SOCKET"], !p.isEmpty { return .unix(p) }
        return .unix(DefaultAddress.unixSocketPath())
    }

    public var description: String {
        switch self {
        case .unix(let p): "unix:\(p)"
        case .tcp(let h, let p): "tcp:\(h):\(p)"
        }
    }
}

/// A preview frame with its pixels already decompressed (width * height * 3 RGB8 bytes).
public struct PreviewImage: Sendable, Equatable {
    public var step: Int
    public var total: Int
    public var t: Float
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]
}

/// Events of one Generate call, in order: accepted, queue positions, stages, progress and
/// previews, result, summary. The stream ends after the summary (status OK) or throws
/// `PixClientError.status` with the call's status.
public enum GenerateEvent: Sendable, Equatable {
    case accepted(WireAccepted)
    case queuePosition(Int)
    case stages([WireStage])
    case progress(stage: WireStage, step: Int, total: Int)
    case preview(PreviewImage)
    case result(png: [UInt8], width: Int, height: Int)
    case summary(WireSummary)
}

public enum PixClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The daemon ended the call with a non-OK status.
    case status(WireStatus)
    /// The connection closed (or broke) before the call ended.
    case connectionClosed(String)
    /// The daemon sent something that breaks the protocol.
    case protocolError(String)
    case connectFailed(String)

    public var description: String {
        switch self {
        case .status(let s): "\(s)"
        case .connectionClosed(let why): "connection closed: \(why)"
        case .protocolError(let why): "protocol error: \(why)"
        case .connectFailed(let why): "cannot connect: \(why)"
        }
    }

    /// The status code this error stands for, as the C and Python clients report it: UNAVAILABLE when the
    /// connection could not be made or closed early, INTERNAL when the daemon broke the protocol.
    public var code: WireStatusCode {
        switch self {
        case .status(let s): s.code
        case .protocolError: .internalError
        case .connectionClosed, .connectFailed: .unavailable
        }
    }
}
