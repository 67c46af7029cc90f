import Foundation

/// Decides what to do with an existing file at the socket path before binding.
enum UnixSocketPath {
    enum Problem: Error, CustomStringConvertible {
        case live(String)
        case notASocket(String)
        case tooLong(String)
        var description: String {
            switch self {
            case .live(let p): "another daemon is already listening on \(p); stop it or use --socket"
            case .notASocket(let p): "\(p) exists and is not a socket; remove it or use --socket"
            case .tooLong(let p): "socket path \(p) is longer than a Unix socket address allows (107 bytes)"
            }
        }
    }

    /// Removes a stale socket file (nobody accepts on it); refuses a live one or a non-socket.
    static func prepare(_ path: String) throws(Problem) {
        guard path.utf8.count < 108 else { throw .tooLong(path) }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }   // nothing there
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path) }
        if isLive(path) { throw .live(path) }
        unlink(path)
    }

    /// True when connecting to the socket succeeds.
    static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return r == 0
    }
}
