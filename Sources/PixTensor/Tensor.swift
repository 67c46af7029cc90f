// PixTensor: plain fp32 tensors and the CPU kernels of the engine (sgemm through OpenBLAS, SIMD row
// kernels, RoPE, attention). Kernels work on raw pointers with explicit sizes so that models can run
// them on preallocated scratch without allocating; `Tensor` owns memory and carries a shape.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owned, 64-byte aligned, zero-initialised fp32 memory. Freed when the last `Tensor` view goes away.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "negative tensor size")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }
}

/// A contiguous row-major fp32 tensor: a shape over (a slice of) a storage. Copying the struct shares
/// memory (a view); use `copy()` for a deep copy.
public struct Tensor: @unchecked Sendable {
    public let storage: TensorStorage
    public let offset: Int
    public private(set) var shape: [Int]

    /// A new zero-filled tensor.
    public init(shape: [Int]) {
        let n = shape.reduce(1, *)
        storage = TensorStorage(count: n)
        offset = 0
        self.shape = shape
    }

    /// A new tensor holding `values` (count must equal the shape's product).
    public init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "values \(values.count) do not fit shape \(shape)")
        values.withUnsafeBufferPointer { b in
            if let base = b.baseAddress { pointer.update(from: base, count: b.count) }
        }
    }

    init(storage: TensorStorage, offset: Int, shape: [Int]) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
    }

    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
    /// Size of the last dimension (1 for a scalar).
    public var lastDim: Int { shape.last ?? 1 }
    /// Product of all dimensions but the last.
    public var rows: Int { shape.isEmpty ? 1 : shape.dropLast().reduce(1, *) }

    /// A view with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape) changes the element count")
        return Tensor(storage: storage, offset: offset, shape: newShape)
    }

    /// A view of rows [start, start+length) of the first dimension.
    public func slice(_ start: Int, _ length: Int) -> Tensor {
        precondition(!shape.isEmpty && start >= 0 && length >= 0 && start + length <= shape[0], "slice out of range")
        let inner = shape.dropFirst().reduce(1, *)
        return Tensor(storage: storage, offset: offset + start * inner, shape: [length] + shape.dropFirst())
    }

    public func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies `other` (same element count) into this tensor.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public subscript(_ i: Int) -> Float {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }
}

extension Tensor {
    /// max |a - b| / max |b| (the project's normalised error; b is the reference).
    public static func normalisedError(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var md: Float = 0, mr: Float = 0
        for i in 0..<count {
            md = Swift.max(md, abs(a[i] - b[i]))
            mr = Swift.max(mr, abs(b[i]))
        }
        if md.isNaN { return .nan }
        return mr > 0 ? md / mr : md
    }

    public func normalisedError(reference: Tensor) -> Float {
        precondition(count == reference.count, "normalisedError: \(shape) vs \(reference.shape)")
        return Tensor.normalisedError(pointer, reference.pointer, count: count)
    }
}
