// Full-size official pipeline benchmark (`make bench-full`): loads a model directory with the release's
// shapes (random weights, Training/make_full_random_official.py), edits one synthetic 512² image through
// OfficialPipeline.edit (Lanczos, Gemma + CLIP text, CLIP vision + VAE encode, DiT steps with the default
// two-branch CFG, VAE decode), and prints
//   full_pixwizard res=512 s_per_step=… encode_s=… decode_s=… peak_rss_gib=…
// Usage: pixwizard-bench-full MODEL_DIR [steps=2] [res=512]
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import PixImage
import PixPipeline
import PixTensor

func peakRSSGiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / (1024 * 1024)   // ru_maxrss is KiB on Linux
}

/// print + flush, so that progress shows up when stdout is redirected.
func say(_ s: String) { print(s); fflush(nil) }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write("usage: pixwizard-bench-full MODEL_DIR [steps] [res]\n".data(using: .utf8)!)
    exit(2)
}
let steps = args.count > 2 ? Int(args[2]) ?? 2 : 2
let res = args.count > 3 ? Int(args[3]) ?? 512 : 512
say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, BLAS threads \(BLASThreads.count), SIMD8 fp32 (x86-64-v3)")

let t0 = ContinuousClock.now
let model: OfficialPipeline
do { model = try OfficialPipeline(directory: args[1]) } catch {
    say("bench-full: cannot load \(args[1]): \(error)")
    exit(1)
}
let loadS = seconds(ContinuousClock.now - t0)
say(String(format: "loaded %@ in %.1f s (peak RSS so far %.2f GiB)", model.info.name, loadS, peakRSSGiB()))

// A smooth synthetic photo-like input, slightly non-square so the bucket + Lanczos path runs.
let w = res + res / 8, h = res
var px = [UInt8](repeating: 0, count: w * h * 3)
for y in 0..<h { for x in 0..<w {
    let i = 3 * (y * w + x)
    px[i] = UInt8(127 + 100 * sin(Double(x) / 37)); px[i + 1] = UInt8(127 + 100 * cos(Double(y) / 23))
    px[i + 2] = UInt8((x + y) % 256)
} }
let request = EditRequest(image: RGBImage(width: w, height: h, pixels: px),
                          instruction: "Remove the noise and grain from this image.", seed: 3400, steps: steps,
                          resolution: .bucket(res), previewEvery: 1, previewMaxSize: 256)
var stage: [Stage: Double] = [:]
var rssAfter: [Stage: Double] = [:]
let out: RGBImage
do {
    out = try model.edit(request, cancel: CancellationFlag()) { e in
        if case let .stageFinished(s, sec) = e {
            stage[s] = sec
            rssAfter[s] = peakRSSGiB()
            say(String(format: "  %@: %.2f s (peak RSS %.2f GiB)", s.rawValue, sec, rssAfter[s] ?? 0))
        }
    }
} catch {
    say("bench-full: edit failed: \(error)")
    exit(1)
}
let encode = (stage[.encodeText] ?? 0) + (stage[.encodeImage] ?? 0)
say("output \(out.width)x\(out.height), \(steps) steps, load \(String(format: "%.1f", loadS)) s")
say(String(format: "full_pixwizard res=%d s_per_step=%.2f encode_s=%.2f decode_s=%.2f peak_rss_gib=%.2f",
             res, (stage[.denoise] ?? 0) / Double(steps), encode, stage[.decode] ?? 0, peakRSSGiB()))
