import Foundation
import Testing
@testable import PixTensor
@testable import PixWeights

func tmpPath(_ name: String) -> String {
    NSTemporaryDirectory() + "pixweights-\(getpid())-\(name)"
}

func writeRaw(_ header: String, data: [UInt8], to path: String, headerLen: UInt64? = nil) {
    var d = Data()
    var n = (headerLen ?? UInt64(header.utf8.count)).littleEndian
    withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
    d.append(contentsOf: Array(header.utf8))
    d.append(contentsOf: data)
    try? d.write(to: URL(fileURLWithPath: path))
}

@Suite struct SafeTensorsTests {
    @Test func roundTripAllDTypes() throws {
        let a = Tensor(shape: [3, 5], values: (0..<15).map { Float($0) * 0.37 - 2 })
        let b = Tensor(shape: [7], values: [0, -0, 1e-6, 65504, -3.5, 1e-3, 0.1])
        for dt in DType.allCases {
            let p = tmpPath("rt-\(dt.rawValue)")
            try SafeTensorsFile.write([("a.weight", a), ("b", b)], dtype: dt, metadata: ["format": "pt"], to: p)
            let f = try SafeTensorsFile(path: p)
            #expect(f.metadata["format"] == "pt")
            #expect(f.tensors["a.weight"]?.shape == [3, 5])
            let ra = try f.tensor("a.weight"), rb = try f.tensor("b")
            let tol: Float = dt == .f32 ? 0 : (dt == .f16 ? 1e-3 : 8e-3)
            for i in 0..<15 { #expect(abs(ra[i] - a[i]) <= tol * max(1, abs(a[i]))) }
            for i in 0..<7 { #expect(abs(rb[i] - b[i]) <= tol * max(1, abs(b[i]))) }
            unlink(p)
        }
    }

    @Test func halfConversionExhaustive() {
        // every finite half survives half -> float -> half
        for h in 0..<UInt16.max where (h >> 10) & 0x1f != 0x1f {
            #expect(floatToHalf(halfToFloat(h)) == h)
        }
        #expect(halfToFloat(0x3c00) == 1 && halfToFloat(0xc000) == -2 && halfToFloat(0x0001) == 5.9604644775390625e-8)
        #expect(halfToFloat(0x7c00) == .infinity)
        #expect(bf16ToFloat(floatToBF16(1.5)) == 1.5)
    }

    @Test func strictStore() throws {
        let p = tmpPath("strict")
        try SafeTensorsFile.write([("w", Tensor(shape: [2, 3])), ("b", Tensor(shape: [2])), ("extra", Tensor(shape: [1]))], to: p)
        let s = try WeightStore(paths: [p])
        _ = try s.take("w", shape: [2, 3])
        #expect(throws: WeightsError.wrongShape(key: "b", expected: [3], found: [2])) { _ = try s.take("b", shape: [3]) }
        #expect(throws: WeightsError.missingKey("nope")) { _ = try s.take("nope", shape: [1]) }
        _ = try s.take("b", shape: [2])
        #expect(throws: WeightsError.unusedKeys(["extra"])) { try s.finish() }
        _ = try s.take("extra", shape: [1])
        try s.finish()
        do { _ = try WeightStore(paths: [p, p]); Issue.record("duplicate keys accepted") } catch {
            if case .duplicateKey = error {} else { Issue.record("wrong error \(error)") }
        }
        unlink(p)
    }

    @Test func malformedFilesAreErrors() {
        let p = tmpPath("bad")
        let cases: [(String, [UInt8], UInt64?)] = [
            ("{", [], nil),                                                                       // bad JSON
            ("[1,2]", [], nil),                                                                   // not an object
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", [0, 0, 0], nil), // data too short
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", [UInt8](repeating: 0, count: 8), nil), // size mismatch
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", [], nil),     // negative dim
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", [], nil), // overflow
            ("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", [0], nil),      // unknown dtype
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", [UInt8](repeating: 0, count: 8), nil), // reversed
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", [], nil),                              // no offsets
            ("{}", [], 1 << 40),                                                                  // header size beyond file
        ]
        for (i, c) in cases.enumerated() {
            writeRaw(c.0, data: c.1, to: p, headerLen: c.2)
            var threw = false
            do { _ = try SafeTensorsFile(path: p) } catch { threw = true; print("case \(i): \(error)") }
            #expect(threw, "case \(i) should fail")
        }
        try? Data([1, 2, 3]).write(to: URL(fileURLWithPath: p))
        #expect(throws: WeightsError.self) { _ = try SafeTensorsFile(path: p) }
        #expect(throws: WeightsError.self) { _ = try SafeTensorsFile(path: p + ".missing") }
        // a valid header with an integer dtype loads, but the tensor does not convert
        writeRaw("{\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [1, 0, 0, 0], to: p)
        #expect(throws: WeightsError.unsupportedDType(key: "i", dtype: "I32")) { _ = try SafeTensorsFile(path: p).tensor("i") }
        unlink(p)
    }
}
