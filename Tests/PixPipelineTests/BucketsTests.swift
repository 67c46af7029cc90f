import Testing
@testable import PixPipeline

@Suite struct BucketsTests {
    @Test func listSizesMatchTheOfficialTables() throws {
        for (r, n) in [(512, 97), (768, 145), (1024, 193)] {
            let b = try Buckets(centre: r)
            #expect(b.sizes.count == n)
            for s in b.sizes {
                #expect(s.width % 16 == 0 && s.height % 16 == 0)
                #expect((s.width / 16) * (s.height / 16) <= (r / 16) * (r / 16))
                #expect(Double(max(s.width, s.height)) / Double(min(s.width, s.height)) <= 4)
            }
        }
    }

    @Test func examplesFromTheReference() throws {
        let b = try Buckets(centre: 768)
        let cases: [((Int, Int), (Int, Int))] = [((1028, 1556), (624, 944)), ((1848, 1242), (928, 624)),
                                                 ((1920, 1080), (1024, 576)), ((500, 500), (768, 768)),
                                                 ((4000, 1000), (1536, 384))]
        for ((w, h), (ew, eh)) in cases {
            let s = try b.closest(width: w, height: h)
            #expect(s.width == ew && s.height == eh, "\(w)x\(h) -> \(s.width)x\(s.height), expected \(ew)x\(eh)")
        }
        #expect(try Buckets(centre: 512).closest(width: 512, height: 512) == (512, 512))
    }

    @Test func badInputsAreTypedErrors() {
        #expect(throws: EngineError.self) { try Buckets(centre: 500) }
        #expect(throws: EngineError.self) { try Buckets(centre: 512).closest(width: 0, height: 10) }
    }
}
