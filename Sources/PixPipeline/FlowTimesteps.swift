/// The rectified-flow time grid: torch.linspace(0, 1, steps + 1) in fp32, reproduced bit for bit
/// (torch's CPU kernel, built with FMA: step = (end − start)/(n − 1) in fp32; the first half is
/// fma(step, i, start), the second half fma(−step, n − 1 − i, end), each one rounding), then the time shift t ← t/(t + s − s·t) in fp32 when s ≠ 1. t = 0 is noise,
/// t = 1 data.
public enum FlowTimesteps {
    public static func grid(steps: Int, shift: Float = 1) -> [Float] {
        precondition(steps >= 1)
        let n = steps + 1
        let step: Float = (1 - 0) / Float(n - 1)
        let halfway = n / 2
        var t = [Float](repeating: 0, count: n)
        for i in 0..<n {
            t[i] = i < halfway ? Float(0).addingProduct(step, Float(i)) : Float(1).addingProduct(-step, Float(n - i - 1))
        }
        if shift != 1 {
            for i in 0..<n {
                let num = t[i]
                let den = (t[i] + shift) - shift * t[i]
                t[i] = num / den
            }
        }
        return t
    }
}
