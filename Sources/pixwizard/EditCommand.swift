import ArgumentParser
import Foundation
import PixClient
import PixImage

struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit an image with an instruction on the daemon: pixwizard edit IN.png \"instruction\" -o OUT.png")

    @Argument(help: "Input PNG.") var input: String
    @Argument(help: "What to do, e.g. \"remove the noise\".") var instruction: String
    @Option(name: .shortAndLong, help: "Output PNG.") var output: String
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Model name (default: the daemon's default).") var model = ""
    @Option(help: "Seed (0: random, printed).") var seed: UInt64 = 0
    @Option(help: "Solver steps (0: the model's default).") var steps: UInt32 = 0
    @Option(help: "Solver: euler or midpoint.") var solver = "euler"
    @Option(help: "Text guidance scale (default: the model's).") var textGuidance: Float?
    @Option(help: "Image guidance scale (default: the model's).") var imageGuidance: Float?
    @Option(help: "Output bucket centre, e.g. 512 (default: the model's).") var resolution: UInt32 = 0
    @Option(help: "Exact output width (with --height).") var width: UInt32 = 0
    @Option(help: "Exact output height (with --width).") var height: UInt32 = 0
    @Option(help: "Give up after this many milliseconds (0: never).") var deadlineMs: UInt32 = 0
    @Flag(help: "Draw the live preview in the terminal (truecolor half-blocks).") var preview = false
    @Option(help: "Write every preview frame as a PNG into this directory.") var savePreviews: String?
    @Option(help: "Preview every N steps (default 1 when previews are shown or saved).") var previewEvery: UInt32 = 1
    @Option(help: "Longest side of preview frames (default 48 in the terminal, else the output size).") var previewSize: UInt32?
    @Flag(help: "No progress output.") var quiet = false

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: input) else {
            throw ValidationError("cannot read \(input)")
        }
        let solverValue: WireSolver
        switch solver {
        case "euler": solverValue = .euler
        case "midpoint": solverValue = .midpoint
        default: throw ValidationError("--solver must be euler or midpoint")
        }
        let wantPreviews = preview || savePreviews != nil
        if let dir = savePreviews { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let params = GenerateParams(
            image: .png(Array(data)), instruction: instruction, model: model, seed: seed, steps: steps, solver: solverValue,
            textGuidance: textGuidance, imageGuidance: imageGuidance, resolution: resolution, width: width, height: height,
            previewEvery: wantPreviews ? max(previewEvery, 1) : 0,
            previewMaxSize: previewSize ?? (preview && savePreviews == nil ? 48 : 0), deadlineMs: deadlineMs)

        let client = try await connection.connect()
        let call = client.generate(params)
        var terminal = TerminalPreview()
        var lastProgress = ""
        let isTTY = isatty(2) == 1
        func status(_ s: String) {
            guard !quiet else { return }
            if preview { lastProgress = s; return }
            FileHandle.standardError.write(Data(((isTTY ? "\r" : "") + s + (isTTY ? "\u{1B}[K" : "\n")).utf8))
        }
        do {
            for try await event in call.events {
                switch event {
                case .accepted(let a):
                    status("accepted: job \(a.jobId), seed \(a.seed)")
                case .queuePosition(let p):
                    if p > 0 { status("queued: \(p) ahead") }
                case .stages(let s):
                    status("stages: \(s.map(\.description).joined(separator: " → "))")
                case .progress(let stage, let step, let total):
                    status(progressLine(stage: stage.description, step: step, total: total))
                case .preview(let p):
                    if preview {
                        terminal.draw(width: p.width, height: p.height, rgb: p.rgb,
                                      caption: progressLine(stage: "denoise", step: p.step, total: p.total) + String(format: "  t=%.3f", p.t))
                    }
                    if let dir = savePreviews {
                        let png = try PNGCodec.encode(RGBImage(width: p.width, height: p.height, pixels: p.rgb))
                        let name = String(format: "%@/preview-%04d.png", dir, p.step)
                        try Data(png).write(to: URL(fileURLWithPath: name))
                    }
                case .result(let png, let w, let h):
                    try Data(png).write(to: URL(fileURLWithPath: output))
                    if !quiet { FileHandle.standardError.write(Data(((isTTY && !preview ? "\r\u{1B}[K" : "") + "wrote \(output) (\(w)x\(h))\n").utf8)) }
                case .summary(let s):
                    if !quiet {
                        let stages = s.timings.map { "\($0.stage) \(String(format: "%.2f", $0.seconds))s" }.joined(separator: ", ")
                        printError(String(format: "done in %.2fs (queue %.2fs; %@), seed %llu, %u steps", s.totalSeconds, s.queueSeconds, stages, s.seed, s.steps))
                    }
                }
            }
        } catch {
            await client.close()
            if isTTY && !quiet && !preview { FileHandle.standardError.write(Data("\n".utf8)) }
            printError("pixwizard edit: \(error)")
            throw ExitCode(1)
        }
        _ = lastProgress
        await client.close()
    }
}
