import Foundation

/// A TCP port free on `host` now (bound to port 0 and released), or the C
/// library's words for why there is none.
public func freeTCPPort(on host: String = "127.0.0.1") -> Result<Int, Failure> {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return .failure(Failure(.local, "socket: \(String(cString: strerror(errno)))")) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr(host)
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { return .failure(Failure(.local, "no free port on \(host): \(String(cString: strerror(errno)))")) }
    return .success(Int(UInt16(bigEndian: addr.sin_port)))
}
