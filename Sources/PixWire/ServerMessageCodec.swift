internal import CProtobufC

// ServerMessage <-> protobuf-c ServerFrame. The only place C structs of server frames are touched.

extension ServerMessage {
    /// The protobuf encoding of this message (the payload of an uncompressed frame).
    public func encoded() -> [UInt8] {
        let a = CArena()
        var f = Pixwizard__V1__ServerFrame()
        pixwizard__v1__server_frame__init(&f)
        f.call_id = callId
        switch body {
        case nil:
            break
        case .health(let serving):
            let m = a.message(pixwizard__v1__health_reply__init)
            m.pointee.serving = serving ? 1 : 0
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_HEALTH
            f.health = m
        case .serverInfo(let info):
            let m = a.message(pixwizard__v1__server_info_reply__init)
            m.pointee.version = a.string(info.version)
            m.pointee.protocol_version = info.protocolVersion
            if let l = info.limits {
                let lm = a.message(pixwizard__v1__limits__init)
                lm.pointee.max_frame_bytes = l.maxFrameBytes
                lm.pointee.max_pixels = l.maxPixels
                lm.pointee.max_steps = l.maxSteps
                lm.pointee.max_queue = l.maxQueue
                lm.pointee.max_connections = l.maxConnections
                m.pointee.limits = lm
            }
            m.pointee.n_capabilities = info.capabilities.count
            m.pointee.capabilities = a.array(info.capabilities.map { Optional(a.string($0)) })
            m.pointee.n_models = info.models.count
            m.pointee.models = a.array(info.models.map { Optional(Self.model($0, a)) })
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_SERVER_INFO
            f.server_info = m
        case .listModels(let models):
            let m = a.message(pixwizard__v1__list_models_reply__init)
            m.pointee.n_models = models.count
            m.pointee.models = a.array(models.map { Optional(Self.model($0, a)) })
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_LIST_MODELS
            f.list_models = m
        case .loadModel(let info):
            let m = a.message(pixwizard__v1__load_model_reply__init)
            m.pointee.model = Self.model(info, a)
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_LOAD_MODEL
            f.load_model = m
        case .unloadModel:
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_UNLOAD_MODEL
            f.unload_model = a.message(pixwizard__v1__unload_model_reply__init)
        case .cancel(let found):
            let m = a.message(pixwizard__v1__cancel_reply__init)
            m.pointee.found = found ? 1 : 0
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_CANCEL
            f.cancel = m
        case .accepted(let acc):
            let m = a.message(pixwizard__v1__accepted__init)
            m.pointee.job_id = acc.jobId
            m.pointee.seed = acc.seed
            m.pointee.width = acc.width
            m.pointee.height = acc.height
            m.pointee.steps = acc.steps
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_ACCEPTED
            f.accepted = m
        case .queuePosition(let pos):
            let m = a.message(pixwizard__v1__queue_position__init)
            m.pointee.position = pos
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_QUEUE_POSITION
            f.queue_position = m
        case .stages(let stages):
            let m = a.message(pixwizard__v1__stage_list__init)
            m.pointee.n_stages = stages.count
            m.pointee.stages = a.array(stages.map { Pixwizard__V1__Stage(rawValue: UInt32(bitPattern: $0.rawValue)) })
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_STAGES
            f.stages = m
        case .progress(let stage, let step, let total):
            let m = a.message(pixwizard__v1__progress__init)
            m.pointee.stage = Pixwizard__V1__Stage(rawValue: UInt32(bitPattern: stage.rawValue))
            m.pointee.step = step
            m.pointee.total = total
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_PROGRESS
            f.progress = m
        case .preview(let p):
            let m = a.message(pixwizard__v1__preview__init)
            m.pointee.step = p.step
            m.pointee.total = p.total
            m.pointee.t = p.t
            m.pointee.width = p.width
            m.pointee.height = p.height
            m.pointee.format = Pixwizard__V1__PixelFormat(rawValue: UInt32(bitPattern: p.format.rawValue))
            m.pointee.codec = Pixwizard__V1__PreviewCodec(rawValue: UInt32(bitPattern: p.codec.rawValue))
            m.pointee.data = a.bytes(p.data)
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_PREVIEW
            f.preview = m
        case .result(let png, let w, let h):
            let m = a.message(pixwizard__v1__result__init)
            m.pointee.png = a.bytes(png)
            m.pointee.width = w
            m.pointee.height = h
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_RESULT
            f.result = m
        case .summary(let s):
            let m = a.message(pixwizard__v1__summary__init)
            m.pointee.n_timings = s.timings.count
            m.pointee.timings = a.array(s.timings.map { t in
                let tm = a.message(pixwizard__v1__stage_timing__init)
                tm.pointee.stage = Pixwizard__V1__Stage(rawValue: UInt32(bitPattern: t.stage.rawValue))
                tm.pointee.seconds = t.seconds
                return Optional(tm)
            })
            m.pointee.total_seconds = s.totalSeconds
            m.pointee.queue_seconds = s.queueSeconds
            m.pointee.seed = s.seed
            m.pointee.steps = s.steps
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_SUMMARY
            f.summary = m
        case .status(let st):
            let m = a.message(pixwizard__v1__status__init)
            m.pointee.code = Pixwizard__V1__StatusCode(rawValue: UInt32(bitPattern: st.code.rawValue))
            m.pointee.message = a.string(st.message)
            f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_STATUS
            f.status = m
        }
        let n = pixwizard__v1__server_frame__get_packed_size(&f)
        var out = [UInt8](repeating: 0, count: n)
        let written = out.withUnsafeMutableBufferPointer { pixwizard__v1__server_frame__pack(&f, $0.baseAddress) }
        precondition(written == n, "protobuf-c packed \(written) of \(n) bytes")
        return withExtendedLifetime(a) { out }
    }

    private static func model(_ info: WireModelInfo, _ a: CArena) -> UnsafeMutablePointer<Pixwizard__V1__ModelInfo> {
        let m = a.message(pixwizard__v1__model_info__init)
        m.pointee.name = a.string(info.name)
        m.pointee.family = a.string(info.family)
        m.pointee.description = a.string(info.description)
        m.pointee.loaded = info.loaded ? 1 : 0
        m.pointee.is_default = info.isDefault ? 1 : 0
        m.pointee.default_steps = info.defaultSteps
        m.pointee.default_text_guidance = info.defaultTextGuidance
        m.pointee.default_image_guidance = info.defaultImageGuidance
        m.pointee.default_resolution = info.defaultResolution
        m.pointee.size_multiple = info.sizeMultiple
        m.pointee.n_tasks = info.tasks.count
        m.pointee.tasks = a.array(info.tasks.map { t in
            let tm = a.message(pixwizard__v1__task_info__init)
            tm.pointee.name = a.string(t.name)
            tm.pointee.example = a.string(t.example)
            return Optional(tm)
        })
        return m
    }

    private static func model(_ m: Pixwizard__V1__ModelInfo) -> WireModelInfo {
        WireModelInfo(
            name: swiftString(m.name), family: swiftString(m.family), description: swiftString(m.description),
            loaded: m.loaded != 0, isDefault: m.is_default != 0, defaultSteps: m.default_steps,
            defaultTextGuidance: m.default_text_guidance, defaultImageGuidance: m.default_image_guidance,
            defaultResolution: m.default_resolution, sizeMultiple: m.size_multiple,
            tasks: swiftArray(m.tasks, m.n_tasks) { WireTask(name: swiftString($0.name), example: swiftString($0.example)) })
    }

    private static func stage(_ s: Pixwizard__V1__Stage) -> WireStage { WireStage(rawValue: Int32(bitPattern: s.rawValue)) }

    /// Parses a ServerFrame; malformed protobuf is a typed error, never a crash.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> ServerMessage {
        let parsed = bytes.withUnsafeBufferPointer { pixwizard__v1__server_frame__unpack(nil, $0.count, $0.baseAddress) }
        guard let p = parsed else { throw .malformed("bytes are not a pixwizard.v1.ServerFrame") }
        defer { pixwizard__v1__server_frame__free_unpacked(p, nil) }
        let f = p.pointee
        var msg = ServerMessage(callId: f.call_id, body: nil)
        switch f.body_case {
        case PIXWIZARD__V1__SERVER_FRAME__BODY_HEALTH:
            msg.body = .health(serving: (f.health?.pointee.serving ?? 0) != 0)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_SERVER_INFO:
            guard let m = f.server_info?.pointee else { break }
            let limits = m.limits.map { l in
                WireLimits(maxFrameBytes: l.pointee.max_frame_bytes, maxPixels: l.pointee.max_pixels,
                           maxSteps: l.pointee.max_steps, maxQueue: l.pointee.max_queue,
                           maxConnections: l.pointee.max_connections)
            }
            var caps: [String] = []
            if let c = m.capabilities { for i in 0..<m.n_capabilities { caps.append(swiftString(c[i])) } }
            msg.body = .serverInfo(WireServerInfo(
                version: swiftString(m.version), protocolVersion: m.protocol_version, limits: limits,
                capabilities: caps, models: swiftArray(m.models, m.n_models, model)))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_LIST_MODELS:
            guard let m = f.list_models?.pointee else { break }
            msg.body = .listModels(swiftArray(m.models, m.n_models, model))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_LOAD_MODEL:
            msg.body = .loadModel(f.load_model?.pointee.model.map { model($0.pointee) } ?? WireModelInfo(name: ""))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_UNLOAD_MODEL:
            msg.body = .unloadModel
        case PIXWIZARD__V1__SERVER_FRAME__BODY_CANCEL:
            msg.body = .cancel(found: (f.cancel?.pointee.found ?? 0) != 0)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_ACCEPTED:
            guard let m = f.accepted?.pointee else { break }
            msg.body = .accepted(WireAccepted(jobId: m.job_id, seed: m.seed, width: m.width, height: m.height, steps: m.steps))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_QUEUE_POSITION:
            msg.body = .queuePosition(f.queue_position?.pointee.position ?? 0)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_STAGES:
            guard let m = f.stages?.pointee else { break }
            var stages: [WireStage] = []
            if let s = m.stages { for i in 0..<m.n_stages { stages.append(stage(s[i])) } }
            msg.body = .stages(stages)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_PROGRESS:
            guard let m = f.progress?.pointee else { break }
            msg.body = .progress(stage: stage(m.stage), step: m.step, total: m.total)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_PREVIEW:
            guard let m = f.preview?.pointee else { break }
            msg.body = .preview(WirePreview(
                step: m.step, total: m.total, t: m.t, width: m.width, height: m.height,
                format: WirePixelFormat(rawValue: Int32(bitPattern: m.format.rawValue)),
                codec: WirePreviewCodec(rawValue: Int32(bitPattern: m.codec.rawValue)), data: swiftBytes(m.data)))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_RESULT:
            guard let m = f.result?.pointee else { break }
            msg.body = .result(png: swiftBytes(m.png), width: m.width, height: m.height)
        case PIXWIZARD__V1__SERVER_FRAME__BODY_SUMMARY:
            guard let m = f.summary?.pointee else { break }
            msg.body = .summary(WireSummary(
                timings: swiftArray(m.timings, m.n_timings) { WireStageTiming(stage: stage($0.stage), seconds: $0.seconds) },
                totalSeconds: m.total_seconds, queueSeconds: m.queue_seconds, seed: m.seed, steps: m.steps))
        case PIXWIZARD__V1__SERVER_FRAME__BODY_STATUS:
            guard let m = f.status?.pointee else { break }
            msg.body = .status(WireStatus(WireStatusCode(rawValue: Int32(bitPattern: m.code.rawValue)), swiftString(m.message)))
        default:
            msg.body = nil
        }
        return msg
    }

    /// This message as a frame on the wire.
    public func frameBytes(compress: Bool = false) -> [UInt8] { Frame.wrapping(encoded(), compress: compress).bytes }
}

/// Protocol constants shared by server and clients.
public enum WireProtocol {
    public static let version: UInt32 = 1
}
