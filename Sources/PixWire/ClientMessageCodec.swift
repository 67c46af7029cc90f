internal import CProtobufC

// ClientMessage <-> protobuf-c ClientFrame. The only place C structs of client frames are touched.

extension ClientMessage {
    /// The protobuf encoding of this message (the payload of an uncompressed frame).
    public func encoded() -> [UInt8] {
        let a = CArena()
        var f = Pixwizard__V1__ClientFrame()
        pixwizard__v1__client_frame__init(&f)
        f.call_id = callId
        f.token = a.string(token)
        switch body {
        case nil:
            break
        case .health:
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_HEALTH
            f.health = a.message(pixwizard__v1__health_request__init)
        case .serverInfo:
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_SERVER_INFO
            f.server_info = a.message(pixwizard__v1__server_info_request__init)
        case .listModels:
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_LIST_MODELS
            f.list_models = a.message(pixwizard__v1__list_models_request__init)
        case .loadModel(let name):
            let m = a.message(pixwizard__v1__load_model_request__init)
            m.pointee.name = a.string(name)
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_LOAD_MODEL
            f.load_model = m
        case .unloadModel(let name):
            let m = a.message(pixwizard__v1__unload_model_request__init)
            m.pointee.name = a.string(name)
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_UNLOAD_MODEL
            f.unload_model = m
        case .cancel(let target):
            let m = a.message(pixwizard__v1__cancel_request__init)
            m.pointee.target_call_id = target
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_CANCEL
            f.cancel = m
        case .generate(let g):
            let m = a.message(pixwizard__v1__generate_request__init)
            switch g.image {
            case nil: break
            case .png(let png):
                m.pointee.image_case = PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_PNG
                m.pointee.png = a.bytes(png)
            case .raw(let w, let h, let format, let pixels):
                let r = a.message(pixwizard__v1__raw_image__init)
                r.pointee.width = w
                r.pointee.height = h
                r.pointee.format = Pixwizard__V1__PixelFormat(rawValue: UInt32(bitPattern: format.rawValue))
                r.pointee.pixels = a.bytes(pixels)
                m.pointee.image_case = PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_RAW
                m.pointee.raw = r
            }
            m.pointee.instruction = a.string(g.instruction)
            m.pointee.model = a.string(g.model)
            m.pointee.seed = g.seed
            m.pointee.steps = g.steps
            m.pointee.solver = Pixwizard__V1__Solver(rawValue: UInt32(bitPattern: g.solver.rawValue))
            if let t = g.textGuidance {
                m.pointee._text_guidance_case = PIXWIZARD__V1__GENERATE_REQUEST___TEXT_GUIDANCE_TEXT_GUIDANCE
                m.pointee.text_guidance = t
            }
            if let t = g.imageGuidance {
                m.pointee._image_guidance_case = PIXWIZARD__V1__GENERATE_REQUEST___IMAGE_GUIDANCE_IMAGE_GUIDANCE
                m.pointee.image_guidance = t
            }
            m.pointee.resolution = g.resolution
            m.pointee.width = g.width
            m.pointee.height = g.height
            m.pointee.preview_every = g.previewEvery
            m.pointee.preview_max_size = g.previewMaxSize
            m.pointee.deadline_ms = g.deadlineMs
            f.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_GENERATE
            f.generate = m
        }
        let n = pixwizard__v1__client_frame__get_packed_size(&f)
        var out = [UInt8](repeating: 0, count: n)
        let written = out.withUnsafeMutableBufferPointer { pixwizard__v1__client_frame__pack(&f, $0.baseAddress) }
        precondition(written == n, "protobuf-c packed \(written) of \(n) bytes")
        return withExtendedLifetime(a) { out }
    }

    /// Parses a ClientFrame; malformed protobuf is a typed error, never a crash.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> ClientMessage {
        let parsed = bytes.withUnsafeBufferPointer { pixwizard__v1__client_frame__unpack(nil, $0.count, $0.baseAddress) }
        guard let p = parsed else { throw .malformed("bytes are not a pixwizard.v1.ClientFrame") }
        defer { pixwizard__v1__client_frame__free_unpacked(p, nil) }
        let f = p.pointee
        var msg = ClientMessage(callId: f.call_id, token: swiftString(f.token), body: nil)
        switch f.body_case {
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_HEALTH: msg.body = .health
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_SERVER_INFO: msg.body = .serverInfo
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_LIST_MODELS: msg.body = .listModels
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_LOAD_MODEL:
            msg.body = .loadModel(name: swiftString(f.load_model?.pointee.name))
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_UNLOAD_MODEL:
            msg.body = .unloadModel(name: swiftString(f.unload_model?.pointee.name))
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_CANCEL:
            msg.body = .cancel(targetCallId: f.cancel?.pointee.target_call_id ?? 0)
        case PIXWIZARD__V1__CLIENT_FRAME__BODY_GENERATE:
            guard let g = f.generate?.pointee else { break }
            var image: WireImage?
            switch g.image_case {
            case PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_PNG: image = .png(swiftBytes(g.png))
            case PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_RAW:
                if let r = g.raw?.pointee {
                    image = .raw(width: r.width, height: r.height,
                                 format: WirePixelFormat(rawValue: Int32(bitPattern: r.format.rawValue)),
                                 pixels: swiftBytes(r.pixels))
                }
            default: image = nil
            }
            msg.body = .generate(GenerateParams(
                image: image, instruction: swiftString(g.instruction), model: swiftString(g.model), seed: g.seed,
                steps: g.steps, solver: WireSolver(rawValue: Int32(bitPattern: g.solver.rawValue)),
                textGuidance: g._text_guidance_case == PIXWIZARD__V1__GENERATE_REQUEST___TEXT_GUIDANCE_TEXT_GUIDANCE
                    ? g.text_guidance : nil,
                imageGuidance: g._image_guidance_case == PIXWIZARD__V1__GENERATE_REQUEST___IMAGE_GUIDANCE_IMAGE_GUIDANCE
                    ? g.image_guidance : nil,
                resolution: g.resolution, width: g.width, height: g.height, previewEvery: g.preview_every,
                previewMaxSize: g.preview_max_size, deadlineMs: g.deadline_ms))
        default:
            msg.body = nil
        }
        return msg
    }

    /// This message as a frame on the wire.
    public func frameBytes(compress: Bool = false) -> [UInt8] { Frame.wrapping(encoded(), compress: compress).bytes }
}
