import PixImage
import PixPipeline
import PixWire

/// Checks a GenerateRequest against the daemon's limits and turns it into an engine request.
/// Runs on the connection's event loop: the PNG header is checked before any pixel is decoded.
enum GenerateValidation {
    static func editRequest(_ g: GenerateParams, limits: ServerLimits) throws(WireStatus) -> EditRequest {
        let image: RGBImage
        switch g.image {
        case nil:
            throw WireStatus(.invalidArgument, "GenerateRequest has no input image: set png (PNG bytes) or raw (RGB8)")
        case .png(let bytes):
            do { image = try PNGCodec.decode(bytes, maxPixels: limits.maxPixels) } catch { throw WireStatus(error) }
        case .raw(let w, let h, let format, let pixels):
            guard format == .rgb8 else {
                throw WireStatus(.invalidArgument, "raw image format \(format.rawValue) is not supported; use PIXEL_FORMAT_RGB8")
            }
            guard w > 0, h > 0 else { throw WireStatus(.invalidArgument, "raw image size \(w)x\(h) is empty") }
            guard Int(w) * Int(h) <= limits.maxPixels else {
                throw WireStatus(.resourceExhausted, "input image is \(w)x\(h), over the limit of \(limits.maxPixels) pixels")
            }
            guard pixels.count == Int(w) * Int(h) * 3 else {
                throw WireStatus(.invalidArgument, "raw image has \(pixels.count) bytes; \(w)x\(h) RGB8 needs \(Int(w) * Int(h) * 3)")
            }
            image = RGBImage(width: Int(w), height: Int(h), pixels: pixels)
        }
        guard g.steps <= limits.maxSteps else {
            throw WireStatus(.invalidArgument, "steps \(g.steps) is over the limit of \(limits.maxSteps)")
        }
        let solver: Solver
        switch g.solver {
        case .default, .euler: solver = .euler
        case .midpoint: solver = .midpoint
        default: throw WireStatus(.invalidArgument, "unknown solver \(g.solver.rawValue); use SOLVER_EULER or SOLVER_MIDPOINT")
        }
        for (name, v) in [("text_guidance", g.textGuidance), ("image_guidance", g.imageGuidance)] {
            if let v, !(v.isFinite && v >= 0 && v <= 100) {
                throw WireStatus(.invalidArgument, "\(name) \(v) is out of range [0, 100]")
            }
        }
        let resolution: ResolutionChoice
        if g.width != 0 || g.height != 0 {
            guard g.width > 0, g.height > 0 else {
                throw WireStatus(.invalidArgument, "set both width and height (got \(g.width)x\(g.height))")
            }
            guard Int(g.width) * Int(g.height) <= limits.maxPixels else {
                throw WireStatus(.resourceExhausted, "output \(g.width)x\(g.height) is over the limit of \(limits.maxPixels) pixels")
            }
            resolution = .exact(width: Int(g.width), height: Int(g.height))
        } else if g.resolution != 0 {
            guard Int(g.resolution) * Int(g.resolution) <= limits.maxPixels else {
                throw WireStatus(.resourceExhausted, "resolution \(g.resolution) is over the limit of \(limits.maxPixels) pixels")
            }
            resolution = .bucket(Int(g.resolution))
        } else {
            resolution = .modelDefault
        }
        guard g.previewMaxSize <= limits.maxPreviewSize else {
            throw WireStatus(.invalidArgument, "preview_max_size \(g.previewMaxSize) is over the limit of \(limits.maxPreviewSize)")
        }
        var seed = g.seed
        while seed == 0 { seed = UInt64.random(in: 1...UInt64.max) }
        return EditRequest(image: image, instruction: g.instruction, seed: seed, steps: Int(g.steps), solver: solver,
                           textGuidance: g.textGuidance, imageGuidance: g.imageGuidance, resolution: resolution,
                           previewEvery: Int(g.previewEvery), previewMaxSize: Int(g.previewMaxSize))
    }
}
