import NIOCore
import PixWire
import Synchronization

/// One connection's open calls (thread-safe: the event loop opens them, the worker ends them).
final class ConnectionState: Sendable {
    enum Call: Sendable {
        case unary
        case generate(GenerateJob)
    }

    let output: ConnectionOutput
    private let calls = Mutex<[UInt64: Call]>([:])

    init(output: ConnectionOutput) { self.output = output }

    /// Registers a call id; false when it is already open.
    func beginCall(_ id: UInt64, _ call: Call) -> Bool {
        calls.withLock { c in
            if c[id] != nil { return false }
            c[id] = call
            return true
        }
    }

    func endCall(_ id: UInt64) { _ = calls.withLock { $0.removeValue(forKey: id) } }

    func call(_ id: UInt64) -> Call? { calls.withLock { $0[id] } }

    var openCallCount: Int { calls.withLock { $0.count } }

    /// Every open Generate job (for cancel-on-disconnect and shutdown).
    func generateJobs() -> [GenerateJob] {
        calls.withLock { c in c.values.compactMap { if case .generate(let j) = $0 { j } else { nil } } }
    }
}
