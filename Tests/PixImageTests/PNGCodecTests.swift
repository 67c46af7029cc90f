import Testing
import PixImage

@Suite struct PNGCodecTests {
    static func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var p = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let i = (y * w + x) * 3
            p[i] = UInt8(x * 255 / max(w - 1, 1)); p[i + 1] = UInt8(y * 255 / max(h - 1, 1)); p[i + 2] = UInt8((x * y) & 255)
        } }
        return RGBImage(width: w, height: h, pixels: p)
    }

    @Test func roundTripIsLossless() throws {
        for (w, h) in [(1, 1), (7, 3), (64, 48)] {
            let img = Self.gradient(w, h)
            let png = try PNGCodec.encode(img)
            #expect(try PNGCodec.dimensions(of: png) == (w, h))
            #expect(try PNGCodec.decode(png) == img)
        }
    }

    @Test func pixelLimitCheckedFromTheHeader() throws {
        let png = try PNGCodec.encode(Self.gradient(64, 64))
        #expect(throws: ImageError.tooLarge(width: 64, height: 64, maxPixels: 4000)) { try PNGCodec.decode(png, maxPixels: 4000) }
        // A header that claims 100000 x 100000 with no data behind it: refused before decoding.
        var huge = Array(png.prefix(33))
        huge[16...19] = [0x00, 0x01, 0x86, 0xA0][...]
        huge[20...23] = [0x00, 0x01, 0x86, 0xA0][...]
        #expect(throws: ImageError.tooLarge(width: 100_000, height: 100_000, maxPixels: 1 << 22)) {
            try PNGCodec.decode(huge, maxPixels: 1 << 22)
        }
    }

    @Test func badInputIsATypedError() throws {
        let png = try PNGCodec.encode(Self.gradient(16, 16))
        #expect(throws: ImageError.notPNG) { try PNGCodec.decode([1, 2, 3]) }
        #expect(throws: ImageError.notPNG) { try PNGCodec.decode([]) }
        #expect(throws: ImageError.truncated) { try PNGCodec.decode(Array(png.prefix(20))) }
        // Truncated image data, and corrupted data: libpng's error, not a crash.
        #expect(throws: ImageError.self) { try PNGCodec.decode(Array(png.prefix(png.count / 2))) }
        var bad = png
        for i in 40..<min(bad.count, 80) { bad[i] ^= 0x5A }
        #expect(throws: ImageError.self) { try PNGCodec.decode(bad) }
        var zero = png
        zero[16...19] = [0, 0, 0, 0][...]
        #expect(throws: ImageError.badDimensions(width: 0, height: 16)) { try PNGCodec.decode(zero) }
    }

    @Test func downscaleAveragesAreas() {
        let img = RGBImage(width: 4, height: 2, pixels: [
            0, 0, 0, 100, 100, 100, 200, 0, 0, 200, 0, 0,
            0, 0, 0, 100, 100, 100, 0, 0, 200, 0, 0, 200,
        ])
        let half = img.downscaled(toFit: 2)
        #expect(half.width == 2 && half.height == 1)
        #expect(half.pixels == [50, 50, 50, 100, 0, 100])
        #expect(img.downscaled(toFit: 0) == img)
        #expect(img.downscaled(toFit: 10) == img)
        let big = Self.gradient(640, 360).downscaled(toFit: 48)
        #expect(big.width == 48 && big.height == 27)
    }
}
