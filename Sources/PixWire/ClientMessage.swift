/// A client -> server frame's message (ClientFrame), as a Swift value.
public struct ClientMessage: Sendable, Equatable {
    public var callId: UInt64
    /// Shared secret; required on every call but Health when the daemon listens beyond loopback.
    public var token: String
    /// nil when the frame carried no (known) body.
    public var body: Body?

    public enum Body: Sendable, Equatable {
        case health
        case serverInfo
        case listModels
        case loadModel(name: String)
        case unloadModel(name: String)
        case cancel(targetCallId: UInt64)
        case generate(GenerateParams)
    }

    public init(callId: UInt64, token: String = "", body: Body?) {
        self.callId = callId
        self.token = token
        self.body = body
    }
}

/// The input image of a Generate call.
public enum WireImage: Sendable, Equatable {
    case png([UInt8])
    case raw(width: UInt32, height: UInt32, format: WirePixelFormat, pixels: [UInt8])
}

/// GenerateRequest; zero values mean "the default" as documented in the proto.
public struct GenerateParams: Sendable, Equatable {
    public var image: WireImage?
    public var instruction: String
    public var model: String
    public var seed: UInt64
    public var steps: UInt32
    public var solver: WireSolver
    public var textGuidance: Float?
    public var imageGuidance: Float?
    public var resolution: UInt32
    public var width: UInt32
    public var height: UInt32
    public var previewEvery: UInt32
    public var previewMaxSize: UInt32
    public var deadlineMs: UInt32

    public init(image: WireImage?, instruction: String, model: String = "", seed: UInt64 = 0, steps: UInt32 = 0,
                solver: WireSolver = .default, textGuidance: Float? = nil, imageGuidance: Float? = nil,
                resolution: UInt32 = 0, width: UInt32 = 0, height: UInt32 = 0, previewEvery: UInt32 = 0,
                previewMaxSize: UInt32 = 0, deadlineMs: UInt32 = 0) {
        self.image = image; self.instruction = instruction; self.model = model; self.seed = seed
        self.steps = steps; self.solver = solver; self.textGuidance = textGuidance
        self.imageGuidance = imageGuidance; self.resolution = resolution; self.width = width
        self.height = height; self.previewEvery = previewEvery; self.previewMaxSize = previewMaxSize
        self.deadlineMs = deadlineMs
    }
}
