import Foundation

/// A word as a POSIX shell reads it back unchanged, for scripts this program
/// writes and for commands it suggests to a user: as it is when it is made
/// only of characters no shell treats specially, else in single quotes (in
/// which nothing is special), each `'` written as `'\''`.
public func shellQuoted(_ word: String) -> String {
    if !word.isEmpty, word.unicodeScalars.allSatisfy(isShellSafe) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

private func isShellSafe(_ s: Unicode.Scalar) -> Bool {
    switch s {
    case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "+", ":", ",", "@", "%", "=": true
    default: false
    }
}
