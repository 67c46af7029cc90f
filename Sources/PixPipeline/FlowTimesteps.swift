/// The rectified-flow time grid: torch.linspace(0, 1, steps + 1) in fp32, reproduced bit for bit
/// (torch's CPU kernel: step = (end − start)/(n − 1); the first half is start + step·i, the second half
/// end − step·(n − 1 − i)), then the time shift t ← t/(t + s − s·t) in fp32 when s ≠ 1. t = 0 is noise,
/// t = 1 data.
public enum FlowTimesteps {
    public static func grid(steps: Int, shift: Float = 1) -> [Float] {
        precondition(steps >= 1)
        let n = steps + 1
        let step: Float = (1 - 0) / Float(n - 1)
        let halfway = n / 2
        var t = [Float](repeating: 0, count: n)
        for i in 0..<n {
            t[i] = i < halfway ? 0 + step * Float(i) : 1 - step * Float(n - i - 1)
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
