import Foundation
import Testing
@testable import PixModels
@testable import PixPipeline
@testable import PixTensor
@testable import PixWeights

let samplerFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/dit").path

func fixtureSampler() throws -> (FlowSampler, SafeTensorsFile, GuidanceInputs, Tensor) {
    let config = try DiTConfig.load(path: samplerFixtures + "/config.json")
    let dit = PixWizardDiT(weights: try DiTWeights(config: config, paths: [samplerFixtures + "/weights.safetensors"]))
    let f = try SafeTensorsFile(path: samplerFixtures + "/trajectory.safetensors")
    func drop0(_ t: Tensor) -> Tensor { t.reshaped(Array(t.shape.dropFirst())) }
    let text = drop0(try f.tensor("text")), empty = drop0(try f.tensor("empty_text"))
    let g = GuidanceInputs(conditionLatent: drop0(try f.tensor("cond")),
                           prompt: (text, [Bool](repeating: true, count: text.shape[0]), drop0(try f.tensor("task"))),
                           emptyPrompt: (empty, [Bool](repeating: true, count: empty.shape[0]), drop0(try f.tensor("empty_task"))),
                           imageFeatures: drop0(try f.tensor("image")))
    return (FlowSampler(dit: dit), f, g, drop0(try f.tensor("noise")))
}

@Suite struct FlowSamplerParityTests {
    @Test func gridMatchesTorchLinspace() throws {
        let f = try SafeTensorsFile(path: samplerFixtures + "/trajectory.safetensors")
        for (steps, shift) in [(4, 1.0), (4, 3.0), (59, 1.0), (100, 1.0), (30, 2.5), (7, 0.5)] as [(Int, Float)] {
            let ref = try f.tensor("grid.\(steps).\(shift == Float(Int(shift)) ? String(format: "%.1f", shift) : "\(shift)")")
            let got = FlowTimesteps.grid(steps: steps, shift: shift)
            let exact = (0...steps).filter { got[$0] == ref[$0] }.count
            let e = Tensor(shape: [steps + 1], values: got).normalisedError(reference: ref)
            print("grid steps=\(steps) shift=\(shift): \(exact)/\(steps + 1) bit-exact, normalised error \(e)")
            #expect(e <= 1e-6)
            if shift == 1 { #expect(exact == steps + 1, "torch.linspace reproduced bit for bit") }
        }
    }

    @Test func fourStepTrajectoriesMatchReference() throws {
        let (sampler, f, g, noise) = try fixtureSampler()
        let runs: [(String, Solver, Float, Float)] = [("euler_three", .euler, 1.5, 1), ("euler_shortcut", .euler, 1, 1),
                                                       ("midpoint_three", .midpoint, 1.5, 3), ("midpoint_shortcut", .midpoint, 1, 3)]
        for (name, solver, sImg, shift) in runs {
            let refX = try f.tensor("\(name).x_t"), refV = try f.tensor("\(name).v"), refP = try f.tensor("\(name).pred")
            let per = noise.count
            var worst: Float = 0
            let opts = SamplerOptions(steps: 4, solver: solver, shift: shift,
                                      guidance: ClassifierFreeGuidance(textScale: 4, imageScale: sImg))
            let out = try sampler.sample(noise: noise, inputs: g, options: opts) { st in
                let k = st.step - 1
                for (what, got, ref) in [("x_t", st.xt, refX), ("v", st.velocity, refV), ("x1_pred", st.predicted, refP)] {
                    let e = Tensor.normalisedError(got.pointer, ref.pointer + k * per, count: per)
                    worst = max(worst, e)
                    #expect(e <= 1e-4, "\(name) step \(st.step) \(what)")
                }
            }
            let e = out.normalisedError(reference: try f.tensor("\(name).final"))
            worst = max(worst, e)
            print("trajectory \(name) (\(opts.guidance.branches) branches): final normalised error \(e), worst over steps \(worst)")
            #expect(e <= 1e-4)
        }
    }

    @Test func cancellationAndSeeds() throws {
        let (sampler, _, g, noise) = try fixtureSampler()
        let flag = CancellationFlag()
        var seen = 0
        let opts = SamplerOptions(steps: 6, guidance: ClassifierFreeGuidance(textScale: 4, imageScale: 1))
        #expect(throws: EngineError.cancelled) {
            _ = try sampler.sample(noise: noise, inputs: g, options: opts, cancel: flag) { st in
                seen = st.step
                if st.step == 2 { flag.cancel() }
            }
        }
        #expect(seen == 2)
        let a = FlowSampler.noise(seed: 3400, channels: 4, height: 8, width: 6)
        let b = FlowSampler.noise(seed: 3400, channels: 4, height: 8, width: 6)
        let c = FlowSampler.noise(seed: 3401, channels: 4, height: 8, width: 6)
        #expect(a.array == b.array && a.array != c.array)
        let mean = a.array.reduce(0, +) / Float(a.count)
        #expect(abs(mean) < 0.5)
        // Gumbel selection: seeded, so the same seed gives the same sample
        let o1 = SamplerOptions(steps: 2, guidance: ClassifierFreeGuidance(textScale: 4, imageScale: 1), selection: .gumbel(seed: 9))
        let r1 = try sampler.sample(noise: noise, inputs: g, options: o1)
        let r2 = try sampler.sample(noise: noise, inputs: g, options: o1)
        #expect(r1.array == r2.array)
    }
}
