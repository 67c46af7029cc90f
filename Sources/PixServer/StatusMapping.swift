import PixImage
import PixPipeline
import PixWire

// The one place engine, image and queue errors become wire statuses.

extension WireStatus {
    init(_ e: EngineError) {
        switch e {
        case .invalidArgument(let m): self.init(.invalidArgument, m)
        case .notFound(let m): self.init(.notFound, m)
        case .cancelled: self.init(.cancelled, "cancelled")
        case .modelFormat(let m): self.init(.internalError, "the model directory does not load: \(m)")
        case .resourceExhausted(let m): self.init(.resourceExhausted, m)
        case .internalError(let m): self.init(.internalError, m)
        }
    }

    init(_ e: ImageError) {
        switch e {
        case .tooLarge: self.init(.resourceExhausted, "input image: \(e.description)")
        default: self.init(.invalidArgument, "input image: \(e.description)")
        }
    }
}

/// Why a job was stopped before it finished; the first reason wins.
enum StopReason: Int, Sendable {
    case client = 1, disconnected, deadline, shutdown

    var status: WireStatus {
        switch self {
        case .client: WireStatus(.cancelled, "cancelled by the client")
        case .disconnected: WireStatus(.cancelled, "the client disconnected")
        case .deadline: WireStatus(.deadlineExceeded, "the deadline passed before the edit finished")
        case .shutdown: WireStatus(.unavailable, "the daemon is shutting down; retry against a running daemon")
        }
    }
}

extension WireStatus {
    /// Any error: engine, image and status errors keep their codes, anything else is INTERNAL.
    init(error: any Error) {
        switch error {
        case let e as WireStatus: self = e
        case let e as EngineError: self.init(e)
        case let e as ImageError: self.init(e)
        default: self.init(.internalError, "\(error)")
        }
    }
}
