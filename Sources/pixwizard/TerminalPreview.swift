import Foundation

/// Draws RGB8 images in a truecolor terminal with "▀" half-blocks (two pixel rows per text row),
/// redrawing in place, plus a one-line progress bar.
struct TerminalPreview {
    private var drawnRows = 0

    /// Renders `rgb` (width x height) below the cursor, replacing the previous drawing.
    mutating func draw(width: Int, height: Int, rgb: [UInt8], caption: String) {
        var out = ""
        if drawnRows > 0 { out += "\u{1B}[\(drawnRows)A\r" }
        var rows = 0
        var y = 0
        while y < height {
            for x in 0..<width {
                let t = (y * width + x) * 3
                let b = y + 1 < height ? ((y + 1) * width + x) * 3 : t
                out += "\u{1B}[38;2;\(rgb[t]);\(rgb[t + 1]);\(rgb[t + 2])m\u{1B}[48;2;\(rgb[b]);\(rgb[b + 1]);\(rgb[b + 2])m▀"
            }
            out += "\u{1B}[0m\u{1B}[K\n"
            rows += 1
            y += 2
        }
        out += caption + "\u{1B}[K\n"
        rows += 1
        drawnRows = rows
        FileHandle.standardError.write(Data(out.utf8))
    }
}

/// "[########..........]  denoise 12/30" on stderr, rewritten in place.
func progressLine(stage: String, step: Int, total: Int, width: Int = 30) -> String {
    let filled = total > 0 ? min(width, step * width / total) : 0
    return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(stage) \(step)/\(total)"
}
