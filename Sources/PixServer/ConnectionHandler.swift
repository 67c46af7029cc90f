import Logging
import NIOCore
import PixImage
import PixPipeline
import PixWire

/// One client connection on its event loop: frames in, calls dispatched, replies out.
/// Nothing here runs a model; Generate jobs go to the queue, loads to the inference thread.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: DaemonCore
    private var decoder: FrameDecoder
    private var state: ConnectionState?
    /// When the frame now partly buffered began arriving (nil: none is).
    private var partialSince: NIODeadline?
    private var partialCheck: Scheduled<Void>?

    init(core: DaemonCore) {
        self.core = core
        self.decoder = FrameDecoder(maxFrameBytes: core.config.limits.maxFrameBytes)
    }

    func channelActive(context: ChannelHandlerContext) {
        let s = ConnectionState(output: ConnectionOutput(channel: context.channel, limits: core.config.limits))
        guard core.admit(s) else {
            s.output.write(ServerMessage(callId: 0, body: .status(WireStatus(
                .resourceExhausted, "too many connections (limit \(core.config.limits.maxConnections)); retry later"))))
            context.close(promise: nil)
            return
        }
        state = s
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partialCheck?.cancel()
        partialCheck = nil
        if let s = state {
            core.remove(s)
            for job in s.generateJobs() { core.queue.cancel(job, .disconnected) }
        }
        state = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        core.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let s = state else { return }
        let buffer = unwrapInboundIn(data)
        decoder.append(buffer.readableBytesView)
        defer { watchPartialFrame(context) }
        while true {
            let frame: Frame
            do {
                guard let f = try decoder.next() else { return }
                frame = f
                partialSince = nil
            } catch {
                return protocolViolation(context, s, "\(error)")
            }
            let message: ClientMessage
            do {
                message = try ClientMessage.decode(try frame.message(maxBytes: core.config.limits.maxFrameBytes))
            } catch let e as FrameError {
                return protocolViolation(context, s, "\(e)")
            } catch {
                // The frame boundary is intact: answer on call 0 and keep the connection.
                s.output.write(ServerMessage(callId: 0, body: .status(WireStatus(.invalidArgument, "\(error)"))))
                continue
            }
            dispatch(message, s)
        }
    }

    /// Starts the clock when a frame is left incomplete; closes the connection when it is still
    /// incomplete `frameTimeoutSeconds` after its first byte.
    private func watchPartialFrame(_ context: ChannelHandlerContext) {
        guard state != nil, context.channel.isActive else { return }
        guard decoder.bufferedBytes > 0 else {
            partialSince = nil
            return
        }
        if partialSince == nil { partialSince = .now() }
        guard partialCheck == nil, let since = partialSince else { return }
        let limit = core.config.limits.frameTimeoutSeconds
        let window = TimeAmount.nanoseconds(Int64(limit * 1e9))
        // Runs on this connection's event loop, as every other method of the handler.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        partialCheck = context.eventLoop.scheduleTask(deadline: since + window) {
            let (h, ctx) = bound.value
            h.partialCheck = nil
            guard let s = h.state, let started = h.partialSince else { return }
            if started + window <= .now() {
                h.protocolViolation(ctx, s, String(format: "a frame stayed incomplete for %.0f s (%d bytes received)",
                                                   limit, h.decoder.bufferedBytes))
            } else {
                h.watchPartialFrame(ctx)   // an older frame completed; watch the one now pending
            }
        }
    }

    /// A stream that is not frames cannot be resynchronised: answer on call 0 and close.
    private func protocolViolation(_ context: ChannelHandlerContext, _ s: ConnectionState, _ why: String) {
        core.logger.info("closing connection: \(why)")
        s.output.write(ServerMessage(callId: 0, body: .status(WireStatus(.invalidArgument, why + "; closing the connection"))))
        context.close(promise: nil)
    }

    private func reply(_ s: ConnectionState, _ id: UInt64, _ body: ServerMessage.Body?, _ status: WireStatus = .ok) {
        if let body { s.output.write(ServerMessage(callId: id, body: body)) }
        s.output.write(ServerMessage(callId: id, body: .status(status)))
    }

    private func dispatch(_ m: ClientMessage, _ s: ConnectionState) {
        let id = m.callId
        guard id != 0 else {
            return reply(s, 0, nil, WireStatus(.invalidArgument, "call_id must be non-zero"))
        }
        guard let body = m.body else {
            return reply(s, id, nil, WireStatus(.invalidArgument, "the frame has no known call (empty body or a newer protocol)"))
        }
        if s.call(id) != nil {
            return reply(s, id, nil, WireStatus(.invalidArgument, "call id \(id) is already open on this connection"))
        }
        if case .health = body {} else if !core.authorised(m.token) {
            return reply(s, id, nil, WireStatus(.unauthenticated, "a valid token is required on this listener (ClientFrame.token)"))
        }
        switch body {
        case .health:
            reply(s, id, .health(serving: !core.isShuttingDown))
        case .serverInfo:
            reply(s, id, .serverInfo(core.serverInfo()))
        case .listModels:
            reply(s, id, .listModels(core.registry.wireModels()))
        case .unloadModel(let name):
            do {
                let resolved = try core.registry.resolve(name)
                core.registry.unload(resolved)
                reply(s, id, .unloadModel)
            } catch { reply(s, id, nil, WireStatus(error: error)) }
        case .loadModel(let name):
            load(name, id, s)
        case .cancel(let target):
            var found = false
            if case .generate(let job) = s.call(target) { found = core.queue.cancel(job, .client) }
            reply(s, id, .cancel(found: found))
        case .generate(let g):
            generate(g, id, s)
        }
    }

    private func load(_ name: String, _ id: UInt64, _ s: ConnectionState) {
        let resolved: String
        do { resolved = try core.registry.resolve(name) } catch { return reply(s, id, nil, WireStatus(error: error)) }
        _ = s.beginCall(id, .unary)
        let sink = CallSink(callId: id, connection: s)
        let registry = core.registry
        let isDefault = resolved == registry.defaultName
        let queued = core.queue.submitControl(run: {
            do {
                let (m, _) = try registry.model(named: resolved)
                sink.send(.loadModel(ModelRegistry.wire(name: resolved, info: m.info, loaded: true, isDefault: isDefault)))
                sink.finish(.ok)
            } catch { sink.finish(WireStatus(error: error)) }
        }, abort: { sink.finish(StopReason.shutdown.status) })
        if !queued { sink.finish(StopReason.shutdown.status) }
    }

    private func generate(_ g: GenerateParams, _ id: UInt64, _ s: ConnectionState) {
        let arrival = ContinuousClock.now
        let request: EditRequest
        let model: String
        do {
            model = try core.registry.resolve(g.model)
            request = try GenerateValidation.editRequest(g, limits: core.config.limits)
        } catch let e as WireStatus {
            return reply(s, id, nil, e)
        } catch let e as EngineError {
            return reply(s, id, nil, WireStatus(e))
        } catch {
            return reply(s, id, nil, WireStatus(.internalError, "\(error)"))
        }
        // The output size, from the model's config (no load needed); a resolution the model refuses is
        // answered now, before the job is queued.
        let info = core.registry.info(model)
        var width: UInt32 = 0, height: UInt32 = 0
        if let info {
            do {
                let plan = try info.outputPlan(for: request)
                width = UInt32(clamping: plan.width); height = UInt32(clamping: plan.height)
            } catch { return reply(s, id, nil, WireStatus(error)) }
        } else if case .exact(let w, let h) = request.resolution {
            width = UInt32(w); height = UInt32(h)
        }
        let deadline = g.deadlineMs > 0 ? arrival + .milliseconds(Int(g.deadlineMs)) : nil
        let sink = CallSink(callId: id, connection: s)
        let job = GenerateJob(jobId: core.makeJobId(), sink: sink, modelName: model, request: request,
                              arrival: arrival, deadline: deadline)
        _ = s.beginCall(id, .generate(job))
        let steps = request.steps > 0 ? request.steps : (info?.defaultSteps ?? 0)
        sink.send(.accepted(WireAccepted(jobId: job.jobId, seed: request.seed, width: width, height: height,
                                         steps: UInt32(clamping: steps))))
        do { try core.queue.submit(job) } catch {
            job.stop(.shutdown)
            return sink.finish(error)
        }
        if g.deadlineMs > 0 {
            let queue = core.queue
            s.output.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(g.deadlineMs))) {
                queue.cancel(job, .deadline)
            }
        }
    }
}
