/// Storage types the loader converts to fp32.
public enum DType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    public var size: Int { self == .f32 ? 4 : 2 }
}

/// IEEE binary16 bits → Float (subnormals, infinities and NaN included).
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int(h >> 10) & 0x1f
    let mant = UInt32(h & 0x3ff)
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        let v = Float(mant) * 5.9604644775390625e-8   // 2^-24
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | UInt32(exp + 112) << 23 | (mant << 13))
}

/// Float → IEEE binary16 bits, round to nearest even (overflow → ±inf).
public func floatToHalf(_ f: Float) -> UInt16 {
    let b = f.bitPattern
    let sign = UInt16((b >> 16) & 0x8000)
    if f.isNaN { return sign | 0x7e00 }
    let a = abs(f)
    if a >= 65520 { return sign | 0x7c00 }
    if a < 6.103515625e-5 {   // subnormal half
        let m = (a / 5.9604644775390625e-8).rounded(.toNearestOrEven)
        return sign | UInt16(m)
    }
    let e = Int((b >> 23) & 0xff) - 127 + 15
    var mant = (b & 0x7f_ffff)
    let round = mant & 0x1fff
    mant >>= 13
    var v = UInt32(e) << 10 | mant
    if round > 0x1000 || (round == 0x1000 && (mant & 1) == 1) { v += 1 }
    return sign | UInt16(v)
}

@inline(__always)
public func bf16ToFloat(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

/// Float → bfloat16 bits, round to nearest even.
public func floatToBF16(_ f: Float) -> UInt16 {
    if f.isNaN { return 0x7fc0 }
    let b = f.bitPattern
    let r = b &+ 0x7fff &+ ((b >> 16) & 1)
    return UInt16(r >> 16)
}
