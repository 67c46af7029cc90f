internal import CPNG

/// Why bytes could not become an image, or an image could not become PNG bytes.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPNG
    case truncated
    case tooLarge(width: Int, height: Int, maxPixels: Int)
    case badDimensions(width: Int, height: Int)
    case decode(String)
    case encode(String)

    public var description: String {
        switch self {
        case .notPNG: "not a PNG file (the 8-byte PNG signature is missing)"
        case .truncated: "truncated PNG (the IHDR header is incomplete)"
        case .tooLarge(let w, let h, let m): "image is \(w)x\(h) = \(w * h) pixels, over the limit of \(m) pixels"
        case .badDimensions(let w, let h): "PNG header gives an invalid size \(w)x\(h)"
        case .decode(let s): "PNG decode failed: \(s)"
        case .encode(let s): "PNG encode failed: \(s)"
        }
    }
}

/// PNG file I/O through libpng's simplified `png_image_*` API (its error trap lives inside libpng).
public enum PNGCodec {
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Width and height from the signature and IHDR chunk alone (33 bytes), without decoding anything.
    public static func dimensions(of bytes: [UInt8]) throws(ImageError) -> (width: Int, height: Int) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw .notPNG }
        guard bytes.count >= 24 else { throw .truncated }
        let ihdr: [UInt8] = [0x49, 0x48, 0x44, 0x52]
        guard Array(bytes[12..<16]) == ihdr else { throw .decode("first chunk is not IHDR") }
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        let w = be32(16), h = be32(20)
        // PNG limits each side to 2^31-1; zero is invalid.
        guard w > 0, h > 0, w < 1 << 31, h < 1 << 31 else { throw .badDimensions(width: w, height: h) }
        return (w, h)
    }

    /// Decodes PNG bytes to 8-bit RGB (alpha composited on white, gray/palette/16-bit converted).
    /// The pixel limit is checked from the header before libpng allocates anything.
    public static func decode(_ bytes: [UInt8], maxPixels: Int = Int.max) throws(ImageError) -> RGBImage {
        let (w, h) = try dimensions(of: bytes)
        guard w <= maxPixels / h else { throw .tooLarge(width: w, height: h, maxPixels: maxPixels) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else { throw .decode(message(&image)) }
        defer { png_image_free(&image) }
        guard Int(image.width) == w, Int(image.height) == h else {
            throw .decode("header size \(w)x\(h) disagrees with libpng's \(image.width)x\(image.height)")
        }
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var white = png_color(red: 255, green: 255, blue: 255)
        let done = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, &white, $0.baseAddress, 0, nil) }
        guard done != 0 else { throw .decode(message(&image)) }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// Encodes an RGB8 image as a PNG file.
    public static func encode(_ rgb: RGBImage) throws(ImageError) -> [UInt8] {
        guard rgb.width > 0, rgb.height > 0 else { throw .encode("empty image \(rgb.width)x\(rgb.height)") }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(rgb.width)
        image.height = UInt32(rgb.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        var size = 0
        // First pass sizes the output, second writes it.
        let sized = rgb.pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0, size > 0 else { throw .encode(message(&image)) }
        var out = [UInt8](repeating: 0, count: size)
        let wrote = out.withUnsafeMutableBytes { o in
            rgb.pixels.withUnsafeBytes { png_image_write_to_memory(&image, o.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard wrote != 0 else { throw .encode(message(&image)) }
        if size < out.count { out.removeSubrange(size...) }
        return out
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let chars = raw.prefix { $0 != 0 }
            return chars.isEmpty ? "libpng error" : String(decoding: chars, as: UTF8.self)
        }
    }
}
