import PixImage
import Synchronization

// The contract between the engine and everything above it (server, CLI, benchmarks).
// The server knows these types only; it never sees tensors or model internals.

/// How the output size is chosen.
public enum ResolutionChoice: Sendable, Equatable {
    /// The model's default (its bucket centre, or its native size for pixwizard-mini).
    case modelDefault
    /// A bucket centre (512, 768, 1024 for the official model): the bucket with the closest aspect ratio.
    case bucket(Int)
    /// An exact output size; must satisfy the model's size rules (multiples of its patch grid).
    case exact(width: Int, height: Int)
}

public enum Solver: String, Sendable, CaseIterable {
    case euler
    case midpoint
}

/// One edit: an input image and an instruction, with sampling options.
public struct EditRequest: Sendable {
    public var image: RGBImage
    public var instruction: String
    public var seed: UInt64
    /// Number of solver steps (the grid has steps + 1 points). 0 = the model's default.
    public var steps: Int
    public var solver: Solver
    /// nil = the model's default.
    public var textGuidance: Float?
    public var imageGuidance: Float?
    public var resolution: ResolutionChoice
    /// Emit a preview every `previewEvery` steps (0 = no previews). The last step always previews when > 0.
    public var previewEvery: Int
    /// Longest side of preview frames, in pixels (0 = the output size).
    public var previewMaxSize: Int

    public init(image: RGBImage, instruction: String, seed: UInt64 = 0, steps: Int = 0, solver: Solver = .euler,
                textGuidance: Float? = nil, imageGuidance: Float? = nil, resolution: ResolutionChoice = .modelDefault,
                previewEvery: Int = 0, previewMaxSize: Int = 0) {
        self.image = image
        self.instruction = instruction
        self.seed = seed
        self.steps = steps
        self.solver = solver
        self.textGuidance = textGuidance
        self.imageGuidance = imageGuidance
        self.resolution = resolution
        self.previewEvery = previewEvery
        self.previewMaxSize = previewMaxSize
    }
}

/// Stages of one request, announced up front, in order.
public enum Stage: String, Sendable, CaseIterable {
    case load          // weights paged in / model made ready
    case preprocess    // resize to the bucket, pixel tensor
    case encodeText    // text encoders
    case encodeImage   // image encoder(s), condition latent
    case denoise       // the sampler loop
    case decode        // latent/pixels -> RGB
}

public enum PipelineEvent: Sendable {
    /// The list of stages this request will go through (sent first).
    case stages([Stage])
    case stageStarted(Stage)
    /// Progress inside a stage: `step` of `total` (1-based), for `.denoise` one per solver step.
    case progress(stage: Stage, step: Int, total: Int)
    /// The predicted final image x̂₁ after `step` of `total` steps at time `t`, already at preview size.
    case preview(step: Int, total: Int, t: Float, image: RGBImage)
    case stageFinished(Stage, seconds: Double)
}

/// Set from any thread; checked by the engine between steps and inside encode/decode stages.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Typed errors of the engine; the server maps them to wire status codes in one place.
public enum EngineError: Error, Sendable, Equatable {
    case invalidArgument(String)   // bad size, steps, guidance, empty instruction where not allowed, ...
    case notFound(String)          // unknown model, missing file
    case cancelled
    case modelFormat(String)       // a model directory that does not load (names the file/key)
    case resourceExhausted(String) // over a pixel or memory limit
    case internalError(String)
}

/// What the daemon knows about a loaded model.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var family: String            // "pixwizard-mini", "pixwizard-official", "test-random"
    public var description: String
    public var defaultSteps: Int
    public var defaultTextGuidance: Float
    public var defaultImageGuidance: Float
    /// Native output size for fixed-size models, or the default bucket centre.
    public var defaultResolution: Int
    /// Sizes must be multiples of this (pixels).
    public var sizeMultiple: Int
    /// Task names with one example instruction each.
    public var tasks: [(name: String, example: String)]
    /// Bucket centres the model accepts (official: 512, 768, 1024). Empty: the model works at
    /// `defaultResolution`² only (pixwizard-mini).
    public var resolutions: [Int]

    public init(name: String, family: String, description: String, defaultSteps: Int, defaultTextGuidance: Float,
                defaultImageGuidance: Float, defaultResolution: Int, sizeMultiple: Int, tasks: [(name: String, example: String)],
                resolutions: [Int] = []) {
        self.name = name; self.family = family; self.description = description
        self.defaultSteps = defaultSteps; self.defaultTextGuidance = defaultTextGuidance
        self.defaultImageGuidance = defaultImageGuidance; self.defaultResolution = defaultResolution
        self.sizeMultiple = sizeMultiple; self.tasks = tasks; self.resolutions = resolutions
    }

    public static func == (a: ModelInfo, b: ModelInfo) -> Bool {
        a.name == b.name && a.family == b.family && a.description == b.description && a.defaultSteps == b.defaultSteps
            && a.defaultTextGuidance == b.defaultTextGuidance && a.defaultImageGuidance == b.defaultImageGuidance
            && a.defaultResolution == b.defaultResolution && a.sizeMultiple == b.sizeMultiple
            && a.tasks.map(\.name) == b.tasks.map(\.name) && a.tasks.map(\.example) == b.tasks.map(\.example)
            && a.resolutions == b.resolutions
    }

    /// The output size of a request and the bucket centre it uses (for proportional attention), or why the
    /// request's resolution is refused. Needs only the config: the daemon answers with it before loading.
    public func outputPlan(for r: EditRequest) throws(EngineError) -> (width: Int, height: Int, centre: Int) {
        let m = sizeMultiple
        if resolutions.isEmpty {
            let S = defaultResolution
            switch r.resolution {
            case .modelDefault: break
            case .bucket(let b) where b == S: break
            case .exact(let w, let h) where w == S && h == S: break
            default: throw .invalidArgument("\(name) works at \(S)x\(S) only; omit the resolution or ask for \(S)")
            }
            return (S, S, S)
        }
        switch r.resolution {
        case .modelDefault, .bucket:
            var centre = defaultResolution
            if case let .bucket(b) = r.resolution { centre = b }
            guard resolutions.contains(centre) else {
                throw .invalidArgument("resolution \(centre): this model's buckets are \(resolutions)")
            }
            let s = try Buckets(centre: centre).closest(width: r.image.width, height: r.image.height)
            guard s.width % m == 0, s.height % m == 0 else { throw .invalidArgument("bucket \(s) not a multiple of \(m)") }
            return (s.width, s.height, centre)
        case let .exact(w, h):
            guard w > 0, h > 0, w % m == 0, h % m == 0 else {
                throw .invalidArgument("size \(w)x\(h) must be positive multiples of \(m)")
            }
            guard w * h <= 2048 * 2048 else { throw .resourceExhausted("size \(w)x\(h) is over 2048² pixels") }
            let area = Double(w * h)
            let centre = resolutions.min { abs(Double($0 * $0) - area) < abs(Double($1 * $1) - area) } ?? defaultResolution
            return (w, h, centre)
        }
    }
}

/// A loaded model that edits images. One request runs at a time per model (the server's worker
/// thread calls `edit`); `edit` runs on the caller's thread and calls `events` synchronously.
public protocol EditModel: AnyObject, Sendable {
    var info: ModelInfo { get }
    func edit(_ request: EditRequest, cancel: CancellationFlag,
              events: (PipelineEvent) -> Void) throws(EngineError) -> RGBImage
}

extension EngineError: CustomStringConvertible {
    /// The message alone, for people (the daemon sends the message with its own status code).
    public var description: String {
        switch self {
        case .invalidArgument(let m), .notFound(let m), .modelFormat(let m), .resourceExhausted(let m), .internalError(let m): m
        case .cancelled: "cancelled"
        }
    }
}
