import PixWire
import Synchronization

/// Open calls of one client connection, by call id; the channel handler routes frames here.
final class CallRouter: Sendable {
    enum Route: Sendable {
        case unary(CheckedContinuation<ServerMessage.Body?, Error>)
        case stream(AsyncThrowingStream<GenerateEvent, Error>.Continuation)
    }
    private struct State {
        var routes: [UInt64: Route] = [:]
        var replies: [UInt64: ServerMessage.Body] = [:]
        var closed: PixClientError?
    }
    private let state = Mutex(State())

    func open(_ id: UInt64, _ route: Route) {
        let failure: PixClientError? = state.withLock { s in
            if let c = s.closed { return c }
            s.routes[id] = route
            return nil
        }
        if let failure { Self.fail(route, failure) }
    }

    /// One frame from the daemon.
    func deliver(_ m: ServerMessage) {
        if m.callId == 0 {
            // Connection-level status (a frame the daemon could not read, too many connections).
            if case .status(let st) = m.body { closeAll(.status(st)) }
            return
        }
        guard let body = m.body else { return }
        if case .status(let st) = body {
            let (route, reply) = state.withLock { s in (s.routes.removeValue(forKey: m.callId), s.replies.removeValue(forKey: m.callId)) }
            switch route {
            case .unary(let c)?:
                if st.code == .ok { c.resume(returning: reply) } else { c.resume(throwing: PixClientError.status(st)) }
            case .stream(let c)?:
                if st.code == .ok { c.finish() } else { c.finish(throwing: PixClientError.status(st)) }
            case nil:
                break
            }
            return
        }
        let route: Route? = state.withLock { s in
            guard let r = s.routes[m.callId] else { return nil }
            if case .unary = r { s.replies[m.callId] = body }
            return r
        }
        guard case .stream(let c)? = route else { return }
        switch body {
        case .accepted(let a): c.yield(.accepted(a))
        case .queuePosition(let p): c.yield(.queuePosition(Int(p)))
        case .stages(let s): c.yield(.stages(s))
        case .progress(let st, let step, let total): c.yield(.progress(stage: st, step: Int(step), total: Int(total)))
        case .preview(let p):
            do {
                let rgb = try p.pixels()
                c.yield(.preview(PreviewImage(step: Int(p.step), total: Int(p.total), t: p.t, width: Int(p.width),
                                              height: Int(p.height), rgb: rgb)))
            } catch {
                c.finish(throwing: PixClientError.protocolError("\(error)"))
            }
        case .result(let png, let w, let h): c.yield(.result(png: png, width: Int(w), height: Int(h)))
        case .summary(let s): c.yield(.summary(s))
        default: break
        }
    }

    /// Ends every open call with `error`; later calls fail at once.
    func closeAll(_ error: PixClientError) {
        let routes: [Route] = state.withLock { s in
            if s.closed == nil { s.closed = error }
            defer { s.routes.removeAll(); s.replies.removeAll() }
            return Array(s.routes.values)
        }
        for r in routes { Self.fail(r, error) }
    }

    private static func fail(_ r: Route, _ e: PixClientError) {
        switch r {
        case .unary(let c): c.resume(throwing: e)
        case .stream(let c): c.finish(throwing: e)
        }
    }
}
