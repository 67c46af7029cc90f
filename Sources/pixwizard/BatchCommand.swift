import ArgumentParser
import CPUGuard
import Foundation
import PixImage
import PixPipeline

/// Runs many edits in-process, without a daemon: the evaluation harness (Training/mini/evaluate.py) and
/// scripted bulk jobs. One JSON object per input line:
///   {"id": "0001", "input": "in.png", "instruction": "remove the noise", "seed": 7, "steps": 3}
/// writes OUT/<id>.png; `seed`, `steps`, `text_guidance` and `image_guidance` are optional (absent or 0
/// steps = the model's defaults).
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Edit every image listed in a JSONL file with a model directory, in process (no daemon).",
        discussion: """
            Each input line: {"id": "...", "input": "IN.png", "instruction": "...", "seed": N, "steps": N,
            "text_guidance": X, "image_guidance": X} (all but id, input and instruction optional).
            The result of each line is written to OUTPUT-DIR/<id>.png. A bad line stops the batch with its line number.
            """)

    @Option(help: "Model directory (holding config.json), e.g. Models/pixwizard-mini.") var model: String
    @Option(help: "JSONL file of jobs (- for standard input).") var input: String
    @Option(help: "Directory for the results (created).") var outputDir: String
    @Flag(help: "No progress output.") var quiet = false

    struct Job: Decodable, Sendable {
        var id: String
        var input: String
        var instruction: String
        var seed: UInt64?
        var steps: Int?
        var text_guidance: Float?
        var image_guidance: Float?
    }

    func run() throws {
        BLASEnvironment.ensure()
        guard pixwizard_cpu_supported() == 1 else {
            throw ValidationError("this build needs a CPU with AVX2, FMA and F16C (x86-64-v3)")
        }
        let text: String
        if input == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let d = FileManager.default.contents(atPath: input) else { throw ValidationError("cannot read \(input)") }
            text = String(decoding: d, as: UTF8.self)
        }
        var parsed: [Job] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.isEmpty { continue }
            do {
                let job = try JSONDecoder().decode(Job.self, from: Data(l.utf8))
                guard !job.id.isEmpty, !job.id.contains("/"), job.id != "..", job.id != "." else {
                    throw ValidationError("\"id\" must be a non-empty file name")
                }
                parsed.append(job)
            } catch {
                throw ValidationError("\(input):\(n + 1): \(error)")
            }
        }
        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)

        // Inference runs on its own thread (never in Swift's cooperative pool); this thread waits.
        let jobs = parsed, modelDir = model, outDir = outputDir, silent = quiet
        let outcome = BatchOutcome()
        let thread = Thread {
            outcome.set(Self.runAll(jobs: jobs, modelDir: modelDir, outDir: outDir, quiet: silent))
            outcome.done.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        outcome.done.wait()
        if let message = outcome.error {
            FileHandle.standardError.write(Data("pixwizard batch: \(message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// nil on success, else what went wrong.
    static func runAll(jobs: [Job], modelDir: String, outDir: String, quiet: Bool) -> String? {
        let model: any EditModel
        do { model = try ModelLoader.load(directory: modelDir) } catch { return "\(modelDir): \(error)" }
        let start = ContinuousClock.now
        for (i, job) in jobs.enumerated() {
            do {
                guard let data = FileManager.default.contents(atPath: job.input) else { return "job \(job.id): cannot read \(job.input)" }
                let image: RGBImage
                do { image = try PNGCodec.decode(Array(data)) } catch { return "job \(job.id): \(job.input): \(error)" }
                let request = EditRequest(image: image, instruction: job.instruction, seed: job.seed ?? 0,
                                          steps: job.steps ?? 0, textGuidance: job.text_guidance,
                                          imageGuidance: job.image_guidance)
                let out = try model.edit(request, cancel: CancellationFlag()) { _ in }
                let png = try PNGCodec.encode(out)
                try Data(png).write(to: URL(fileURLWithPath: outDir).appendingPathComponent(job.id + ".png"))
            } catch {
                return "job \(job.id): \(error)"
            }
            if !quiet {
                let s = (ContinuousClock.now - start).components
                let secs = Double(s.seconds) + Double(s.attoseconds) * 1e-18
                FileHandle.standardError.write(Data(String(format: "\rbatch %d/%d (%.1fs)", i + 1, jobs.count, secs).utf8))
            }
        }
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        return nil
    }
}

/// The worker thread's answer to the waiting thread.
final class BatchOutcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private(set) var error: String?
    func set(_ e: String?) { error = e }   // written before `done` is signalled, read after
}
