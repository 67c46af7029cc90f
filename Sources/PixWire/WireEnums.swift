// Open enums of the protocol (proto3 enums accept unknown numbers): each is a struct over the wire
// number with named constants, so a value from a newer peer survives decoding and can be rejected
// with a status instead of failing the frame.

public struct WireStatusCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let cancelled = Self(rawValue: 1)
    public static let invalidArgument = Self(rawValue: 3)
    public static let deadlineExceeded = Self(rawValue: 4)
    public static let notFound = Self(rawValue: 5)
    public static let resourceExhausted = Self(rawValue: 8)
    public static let internalError = Self(rawValue: 13)
    public static let unavailable = Self(rawValue: 14)
    public static let unauthenticated = Self(rawValue: 16)

    public var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .internalError: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .unauthenticated: "UNAUTHENTICATED"
        default: "STATUS_\(rawValue)"
        }
    }
}

public struct WireSolver: RawRepresentable, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let `default` = Self(rawValue: 0)
    public static let euler = Self(rawValue: 1)
    public static let midpoint = Self(rawValue: 2)
}

public struct WirePixelFormat: RawRepresentable, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unspecified = Self(rawValue: 0)
    public static let rgb8 = Self(rawValue: 1)
}

public struct WirePreviewCodec: RawRepresentable, Sendable, Hashable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unspecified = Self(rawValue: 0)
    public static let zstd = Self(rawValue: 1)
}

public struct WireStage: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let unspecified = Self(rawValue: 0)
    public static let load = Self(rawValue: 1)
    public static let preprocess = Self(rawValue: 2)
    public static let encodeText = Self(rawValue: 3)
    public static let encodeImage = Self(rawValue: 4)
    public static let denoise = Self(rawValue: 5)
    public static let decode = Self(rawValue: 6)

    public var description: String {
        switch self {
        case .load: "load"
        case .preprocess: "preprocess"
        case .encodeText: "encode-text"
        case .encodeImage: "encode-image"
        case .denoise: "denoise"
        case .decode: "decode"
        default: "stage-\(rawValue)"
        }
    }
}
