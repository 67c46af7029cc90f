// pixwizard-swift-edit IN.png "instruction" OUT.png [--socket PATH] [--steps N]
// Edits an image on a running daemon through PixClient and prints progress and previews as they arrive.
import Foundation
import PixClient

let args = CommandLine.arguments
guard args.count >= 4 else {
    FileHandle.standardError.write(Data("usage: pixwizard-swift-edit IN.png \"instruction\" OUT.png [--socket PATH] [--steps N]\n".utf8))
    exit(64)
}
func option(_ name: String) -> String? {
    args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
}
// The daemon's default socket ($PIXWIZARD_SOCKET, $XDG_RUNTIME_DIR/pixwizard.sock or /tmp/pixwizard-<uid>.sock).
let endpoint = option("--socket").map { PixEndpoint.unix($0) } ?? PixEndpoint.defaultSocket
let steps = UInt32(option("--steps") ?? "0") ?? 0   // 0: the model's default
guard let input = FileManager.default.contents(atPath: args[1]) else { print("cannot read \(args[1])"); exit(1) }

do {
    let client = try await PixClient.connect(to: endpoint)
    let call = client.generate(GenerateParams(image: .png(Array(input)), instruction: args[2], steps: steps, previewEvery: 1))
    for try await event in call.events {
        switch event {
        case .accepted(let a): print("accepted: job \(a.jobId), \(a.width)x\(a.height), \(a.steps) steps")
        case .queuePosition(let n) where n > 0: print("queued: \(n) ahead")
        case .progress(let stage, let step, let total): print("\(stage) \(step)/\(total)")
        case .preview(let p): print("preview \(p.step)/\(p.total): \(p.width)x\(p.height), \(p.rgb.count) bytes")
        case .result(let png, let w, let h):
            try Data(png).write(to: URL(fileURLWithPath: args[3]))
            print("wrote \(args[3]) (\(w)x\(h))")
        default: break
        }
    }
    await client.close()
} catch {
    print("pixwizard-swift-edit: \(error)")
    exit(1)
}
