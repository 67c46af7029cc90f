internal import CProtobufC
import Glibc

/// Owns the C memory behind one protobuf-c message being packed (strings, bytes, sub-messages,
/// pointer arrays); everything is freed when the arena goes away, after `pack` has copied it.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for b in blocks { free(b) } }

    private func raw(_ bytes: Int) -> UnsafeMutableRawPointer {
        // malloc(0) may return nil; always ask for at least one byte.
        guard let p = calloc(1, max(bytes, 1)) else { fatalError("out of memory") }
        blocks.append(p)
        return p
    }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(s.utf8)
        let p = raw(utf8.count + 1).bindMemory(to: CChar.self, capacity: utf8.count + 1)
        utf8.withUnsafeBytes { src in
            if let base = src.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: utf8.count) }
        }
        p[utf8.count] = 0
        return p
    }

    func bytes(_ b: [UInt8]) -> ProtobufCBinaryData {
        let p = raw(b.count).bindMemory(to: UInt8.self, capacity: max(b.count, 1))
        b.withUnsafeBytes { src in
            if let base = src.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: b.count) }
        }
        return ProtobufCBinaryData(len: b.count, data: p)
    }

    /// A zeroed `T` initialised by its generated `…__init` function.
    func message<T>(_ initialise: (UnsafeMutablePointer<T>?) -> Void) -> UnsafeMutablePointer<T> {
        let p = raw(MemoryLayout<T>.size).bindMemory(to: T.self, capacity: 1)
        initialise(p)
        return p
    }

    func array<T>(_ items: [T]) -> UnsafeMutablePointer<T> {
        let p = raw(MemoryLayout<T>.stride * items.count).bindMemory(to: T.self, capacity: max(items.count, 1))
        for (i, item) in items.enumerated() { (p + i).initialize(to: item) }
        return p
    }
}

// Reading unpacked C values.
@inline(__always) func swiftString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p else { return "" }
    return String(cString: p)
}

@inline(__always) func swiftBytes(_ b: ProtobufCBinaryData) -> [UInt8] {
    guard b.len > 0, let d = b.data else { return [] }
    return Array(UnsafeBufferPointer(start: d, count: b.len))
}

@inline(__always) func swiftArray<T, R>(_ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ n: Int,
                                        _ map: (T) -> R) -> [R] {
    guard let p, n > 0 else { return [] }
    var out: [R] = []
    out.reserveCapacity(n)
    for i in 0..<n { if let e = p[i] { out.append(map(e.pointee)) } }
    return out
}
