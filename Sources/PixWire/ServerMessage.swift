/// A server -> client frame's message (ServerFrame), as a Swift value.
public struct ServerMessage: Sendable, Equatable {
    public var callId: UInt64
    /// nil when the frame carried no (known) body.
    public var body: Body?

    public enum Body: Sendable, Equatable {
        case health(serving: Bool)
        case serverInfo(WireServerInfo)
        case listModels([WireModelInfo])
        case loadModel(WireModelInfo)
        case unloadModel
        case cancel(found: Bool)
        case accepted(WireAccepted)
        case queuePosition(UInt32)
        case stages([WireStage])
        case progress(stage: WireStage, step: UInt32, total: UInt32)
        case preview(WirePreview)
        case result(png: [UInt8], width: UInt32, height: UInt32)
        case summary(WireSummary)
        case status(WireStatus)
    }

    public init(callId: UInt64, body: Body?) {
        self.callId = callId
        self.body = body
    }
}

/// The last frame of every call.
public struct WireStatus: Sendable, Equatable, Error, CustomStringConvertible {
    public var code: WireStatusCode
    public var message: String
    public init(_ code: WireStatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }
    public static let ok = WireStatus(.ok)
    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}

public struct WireLimits: Sendable, Equatable {
    public var maxFrameBytes: UInt64
    public var maxPixels: UInt64
    public var maxSteps: UInt32
    public var maxQueue: UInt32
    public var maxConnections: UInt32
    public init(maxFrameBytes: UInt64, maxPixels: UInt64, maxSteps: UInt32, maxQueue: UInt32, maxConnections: UInt32) {
        self.maxFrameBytes = maxFrameBytes; self.maxPixels = maxPixels; self.maxSteps = maxSteps
        self.maxQueue = maxQueue; self.maxConnections = maxConnections
    }
}

public struct WireTask: Sendable, Equatable {
    public var name: String
    public var example: String
    public init(name: String, example: String) { self.name = name; self.example = example }
}

public struct WireModelInfo: Sendable, Equatable {
    public var name: String
    public var family: String
    public var description: String
    public var loaded: Bool
    public var isDefault: Bool
    public var defaultSteps: UInt32
    public var defaultTextGuidance: Float
    public var defaultImageGuidance: Float
    public var defaultResolution: UInt32
    public var sizeMultiple: UInt32
    public var tasks: [WireTask]
    public init(name: String, family: String = "", description: String = "", loaded: Bool = false, isDefault: Bool = false,
                defaultSteps: UInt32 = 0, defaultTextGuidance: Float = 0, defaultImageGuidance: Float = 0,
                defaultResolution: UInt32 = 0, sizeMultiple: UInt32 = 0, tasks: [WireTask] = []) {
        self.name = name; self.family = family; self.description = description; self.loaded = loaded
        self.isDefault = isDefault; self.defaultSteps = defaultSteps; self.defaultTextGuidance = defaultTextGuidance
        self.defaultImageGuidance = defaultImageGuidance; self.defaultResolution = defaultResolution
        self.sizeMultiple = sizeMultiple; self.tasks = tasks
    }
}

public struct WireServerInfo: Sendable, Equatable {
    public var version: String
    public var protocolVersion: UInt32
    public var limits: WireLimits?
    public var capabilities: [String]
    public var models: [WireModelInfo]
    public init(version: String, protocolVersion: UInt32, limits: WireLimits?, capabilities: [String], models: [WireModelInfo]) {
        self.version = version; self.protocolVersion = protocolVersion; self.limits = limits
        self.capabilities = capabilities; self.models = models
    }
}

public struct WireAccepted: Sendable, Equatable {
    public var jobId: UInt64
    public var seed: UInt64
    public var width: UInt32
    public var height: UInt32
    public var steps: UInt32
    public init(jobId: UInt64, seed: UInt64, width: UInt32, height: UInt32, steps: UInt32) {
        self.jobId = jobId; self.seed = seed; self.width = width; self.height = height; self.steps = steps
    }
}

/// A preview frame: x̂₁ after `step` of `total`, `data` = zstd of width*height*3 RGB8 bytes.
public struct WirePreview: Sendable, Equatable {
    public var step: UInt32
    public var total: UInt32
    public var t: Float
    public var width: UInt32
    public var height: UInt32
    public var format: WirePixelFormat
    public var codec: WirePreviewCodec
    public var data: [UInt8]
    public init(step: UInt32, total: UInt32, t: Float, width: UInt32, height: UInt32,
                format: WirePixelFormat = .rgb8, codec: WirePreviewCodec = .zstd, data: [UInt8]) {
        self.step = step; self.total = total; self.t = t; self.width = width; self.height = height
        self.format = format; self.codec = codec; self.data = data
    }

    /// The raw RGB8 pixels (width*height*3 bytes), checked against the announced size.
    public func pixels() throws(WireError) -> [UInt8] {
        guard format == .rgb8 else { throw .invalid("preview pixel format \(format.rawValue) is not RGB8") }
        let want = Int(width) * Int(height) * 3
        let raw: [UInt8]
        switch codec {
        case .zstd:
            do { raw = try Zstd.decompress(data, maxBytes: want) } catch { throw .invalid("preview: \(error)") }
        case .unspecified: raw = data
        default: throw .invalid("preview codec \(codec.rawValue) is unknown")
        }
        guard raw.count == want else { throw .invalid("preview has \(raw.count) bytes, \(width)x\(height) RGB8 needs \(want)") }
        return raw
    }
}

public struct WireStageTiming: Sendable, Equatable {
    public var stage: WireStage
    public var seconds: Double
    public init(stage: WireStage, seconds: Double) { self.stage = stage; self.seconds = seconds }
}

public struct WireSummary: Sendable, Equatable {
    public var timings: [WireStageTiming]
    public var totalSeconds: Double
    public var queueSeconds: Double
    public var seed: UInt64
    public var steps: UInt32
    public init(timings: [WireStageTiming], totalSeconds: Double, queueSeconds: Double, seed: UInt64, steps: UInt32) {
        self.timings = timings; self.totalSeconds = totalSeconds; self.queueSeconds = queueSeconds
        self.seed = seed; self.steps = steps
    }
}

/// A message that is not valid protobuf for its type, or a value that breaks a protocol rule.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case invalid(String)
    public var description: String {
        switch self {
        case .malformed(let s): "malformed message: \(s)"
        case .invalid(let s): s
        }
    }
}
