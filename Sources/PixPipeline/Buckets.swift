/// The official resolution buckets (pixwizard-reference.md §1.2): for a centre R ∈ {512, 768, 1024}, every
/// (W, H) with W, H multiples of 16, (W/16)·(H/16) ≤ (R/16)² on the boundary staircase, aspect ratio ≤ 4
/// (Lumina's `imgproc.generate_crop_size_list`; 97 / 145 / 193 sizes). An input goes to the first bucket with
/// the smallest |W/H − w/h|; it is resized to exactly that size (no crop, no pad) and the output keeps it.
public struct Buckets: Sendable, Equatable {
    public static let centres = [512, 768, 1024]
    public static let patch = 16
    public static let maxRatio = 4.0

    public let centre: Int
    /// (width, height) in pixels, in the generator's order.
    public let sizes: [(width: Int, height: Int)]

    public init(centre: Int) throws(EngineError) {
        guard centre >= Self.patch, centre % Self.patch == 0, centre <= 4096 else {
            throw .invalidArgument("resolution centre \(centre) must be a multiple of 16 in 16...4096")
        }
        self.centre = centre
        let n = (centre / Self.patch) * (centre / Self.patch)
        var out: [(width: Int, height: Int)] = []
        var wp = n, hp = 1
        while wp > 0 {
            if Double(max(wp, hp)) / Double(min(wp, hp)) <= Self.maxRatio {
                out.append((wp * Self.patch, hp * Self.patch))
            }
            if (hp + 1) * wp <= n { hp += 1 } else { wp -= 1 }
        }
        sizes = out
    }

    /// The first bucket whose aspect ratio is closest to `width / height`.
    public func closest(width: Int, height: Int) throws(EngineError) -> (width: Int, height: Int) {
        guard width > 0, height > 0 else { throw .invalidArgument("image size \(width)x\(height) is empty") }
        let r = Double(width) / Double(height)
        var best = sizes[0]
        var bestD = Double.infinity
        for s in sizes {
            let d = abs(Double(s.width) / Double(s.height) - r)
            if d < bestD { bestD = d; best = s }
        }
        return best
    }

    public static func == (a: Buckets, b: Buckets) -> Bool { a.centre == b.centre }
}
