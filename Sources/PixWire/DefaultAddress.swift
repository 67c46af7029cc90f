import Glibc

/// Where a daemon listens when nobody says otherwise: one definition for the server and the Swift
/// client (the C and Python clients follow the same rule, docs/PROTOCOL.md).
public enum DefaultAddress {
    /// $XDG_RUNTIME_DIR/pixwizard.sock when that directory exists, else /tmp/pixwizard-<uid>.sock.
    public static func unixSocketPath() -> String {
        if let p = getenv("XDG_RUNTIME_DIR"), p.pointee != 0 {
            let dir = String(cString: p)
            var sb = stat()
            if stat(dir, &sb) == 0, (sb.st_mode & S_IFMT) == S_IFDIR { return dir + "/pixwizard.sock" }
        }
        return "/tmp/pixwizard-\(getuid()).sock"
    }
}
