/// Percent-encoding of URL parts (RFC 3986): every byte of the UTF-8 except
/// the unreserved characters (`A-Z a-z 0-9 - . _ ~`) is written `%XX`. One
/// rule for a path segment, a query name and a query value: nothing in the
/// result can end a segment, start a query or fragment, or split a parameter
/// (`/ ? # & = +` and spaces are all encoded).
public enum PercentEncoding {
    /// One path segment, or one query name or value.
    public static func component(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return out
    }

    /// An absolute or relative path: each segment encoded, the `/` between them kept.
    public static func path(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { component(String($0)) }.joined(separator: "/")
    }

    /// `name=value&…`, each name and value encoded.
    public static func query(_ items: [(String, String)]) -> String {
        items.map { component($0.0) + "=" + component($0.1) }.joined(separator: "&")
    }

    private static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
