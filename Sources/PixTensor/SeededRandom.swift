#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's seeded generator: xoshiro256** seeded through splitmix64. Gaussian samples use the
/// Box–Muller transform on two 53-bit uniforms (cos branch then sin branch). The same seed gives the
/// same sequence on every machine; it does not reproduce torch's generator.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spare: Double?

    public init(seed: UInt64) {
        var z = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var r = x
            r = (r ^ (r >> 30)) &* 0xBF58_476D_1CE4_E5B9
            r = (r ^ (r >> 27)) &* 0x94D0_49BB_1331_11EB
            return r ^ (r >> 31)
        }
        s = (splitmix(&z), splitmix(&z), splitmix(&z), splitmix(&z))
        spare = nil
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in (0, 1): never 0, so logs are finite.
    public mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) / 9007199254740992.0 }

    /// Standard normal.
    public mutating func gaussian() -> Double {
        if let v = spare { spare = nil; return v }
        let u1 = uniformOpen(), u2 = uniformOpen()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2)
        return r * cos(2 * Double.pi * u2)
    }

    /// Gumbel(0, 1) = −log(E), E ~ Exp(1).
    public mutating func gumbel() -> Double { -log(-log(uniformOpen())) }

    /// Fills n floats with standard normal samples.
    public mutating func fillGaussian(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n { p[i] = Float(gaussian()) }
    }
}
