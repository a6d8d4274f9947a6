import DeploymentModel
import Flink
import Foundation

/// A file, directory or archive shipped into every container's working
/// directory (`--ship`, `--ship-archive`), as Flink's `yarn.ship-files` and
/// `yarn.ship-archives` do.
public struct ShipItem: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory
        /// An archive, unpacked into a directory of the item's name.
        case archive(ArchiveFormat)
    }

    public enum ArchiveFormat: String, Sendable, Equatable {
        case tar, tarGzip = "tar.gz", zip

        /// The format a file name says (`.tar`, `.tar.gz`, `.tgz`, `.zip`), with
        /// the name without its extension.
        static func of(_ file: String) -> (ArchiveFormat, String)? {
            let lower = file.lowercased()
            for (suffix, format) in [(".tar.gz", ArchiveFormat.tarGzip), (".tgz", .tarGzip), (".tar", .tar), (".zip", .zip)]
            where lower.hasSuffix(suffix) && lower.count > suffix.count {
                return (format, String(file.dropLast(suffix.count)))
            }
            return nil
        }
    }

    /// The local file or directory shipped.
    public var source: String
    /// Its name in the containers' working directory.
    public var name: String
    public var kind: Kind

    /// Names a working directory holds already, or that Flink's launch uses.
    static let reserved: Set<String> = ["conf", "tmp", "resources", "lib", "plugins", "log", "logs", "usrlib"]

    /// The items of `--ship PATH` and `--ship-archive FILE[#NAME]`, checked
    /// before anything is staged: each exists and is a regular file or a
    /// directory (an archive: a readable `.tar`, `.tar.gz`, `.tgz` or `.zip`),
    /// and the names are plain, distinct and not the working directory's own.
    public static func parse(ship: [String], archives: [String]) throws -> [ShipItem] {
        var items: [ShipItem] = []
        for path in ship {
            guard !path.isEmpty else { throw FlinkError(.configuration, "--ship needs a path") }
            if path.contains("://") {
                throw FlinkError(.configuration, "--ship \(path): give a local file or directory (flinkctl stages it with the deployment)")
            }
            let absolute = absolutePath(path)
            let kind: Kind
            switch fileType(absolute) {
            case S_IFREG: kind = .file
            case S_IFDIR: kind = .directory
            case nil: throw FlinkError(.configuration, "--ship \(path): no such file or directory")
            default: throw FlinkError(.configuration, "--ship \(path): not a regular file or a directory")
            }
            guard access(absolute, R_OK) == 0 else { throw FlinkError(.configuration, "--ship \(path): not readable") }
            let name = ((absolute as NSString).standardizingPath as NSString).lastPathComponent
            items.append(ShipItem(source: absolute, name: name, kind: kind))
        }
        for spec in archives {
            let (file, given): (String, String?) = {
                guard let hash = spec.lastIndex(of: "#") else { return (spec, nil) }
                return (String(spec[..<hash]), String(spec[spec.index(after: hash)...]))
            }()
            guard !file.isEmpty else { throw FlinkError(.configuration, "--ship-archive needs a file") }
            if file.contains("://") {
                throw FlinkError(.configuration, "--ship-archive \(file): give a local archive (flinkctl stages it with the deployment)")
            }
            guard let (format, stem) = ArchiveFormat.of((file as NSString).lastPathComponent) else {
                throw FlinkError(.configuration, "--ship-archive \(file): not a .tar, .tar.gz, .tgz or .zip file")
            }
            let absolute = absolutePath(file)
            guard let type = fileType(absolute) else { throw FlinkError(.configuration, "--ship-archive \(file): no such file") }
            guard type == S_IFREG else { throw FlinkError(.configuration, "--ship-archive \(file): not a regular file") }
            guard let entries = archiveEntries(absolute, format) else {
                throw FlinkError(.configuration, "--ship-archive \(file): cannot be read as a \(format.rawValue) archive")
            }
            if let unsafe = entries.first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
                throw FlinkError(.configuration, "--ship-archive \(file): the entry '\(unsafe)' would be unpacked outside its directory")
            }
            if let given, given.isEmpty { throw FlinkError(.configuration, "--ship-archive \(spec): empty name after '#'") }
            items.append(ShipItem(source: absolute, name: given ?? stem, kind: .archive(format)))
        }
        var seen: Set<String> = []
        for item in items {
            let option = item.isArchive ? "--ship-archive" : "--ship"
            guard item.name.range(of: "^[A-Za-z0-9_][A-Za-z0-9._+-]*$", options: .regularExpression) != nil else {
                throw FlinkError(.configuration, "\(option) \(item.source): the name '\(item.name)' must be letters, digits, '.', '_', '+' and '-', not starting with '.' or '-'")
            }
            guard !reserved.contains(item.name) else {
                throw FlinkError(.configuration, "\(option) \(item.source): '\(item.name)' is a name the container's working directory uses already; ship it under another name")
            }
            guard seen.insert(item.name).inserted else {
                throw FlinkError(.configuration, "\(option) \(item.source): another shipped item is named '\(item.name)' too")
            }
        }
        return items
    }

    var isArchive: Bool { if case .archive = kind { return true } else { return false } }

    /// The jars the item puts on the job's class path, relative to the
    /// working directory (as Flink does with `usrlib/`): the item itself when
    /// it is a jar, else every jar inside it.
    func jars() throws -> [String] {
        switch kind {
        case .file:
            return name.lowercased().hasSuffix(".jar") ? [name] : []
        case .directory:
            let all = (FileManager.default.subpaths(atPath: source) ?? []).sorted()
            return all.filter { $0.lowercased().hasSuffix(".jar") && Self.fileType(source + "/" + $0) == S_IFREG }.map { name + "/" + $0 }
        case .archive(let format):
            guard let entries = Self.archiveEntries(source, format) else {
                throw FlinkError(.configuration, "--ship-archive \(source): cannot be read as a \(format.rawValue) archive")
            }
            return entries.filter { $0.lowercased().hasSuffix(".jar") }.sorted().map { name + "/" + ($0.hasPrefix("./") ? String($0.dropFirst(2)) : $0) }
        }
    }

    public static func absolute(_ path: String) -> String { absolutePath(path) }

    static func absolutePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// The file type (`S_IFREG`, `S_IFDIR`, …) of what `path` names, links followed.
    static func fileType(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    /// The names of an archive's files (not its directories), or nil when it
    /// cannot be read as `format`.
    static func archiveEntries(_ file: String, _ format: ArchiveFormat) -> [String]? {
        let (tool, arguments): (String, [String]) = switch format {
        case .zip: ("/usr/bin/unzip", ["-Z1", file])
        case .tar: ("/bin/tar", ["-tf", file])
        case .tarGzip: ("/bin/tar", ["-tzf", file])
        }
        guard let out = runTool(tool, arguments) else { return nil }
        return out.split(separator: "\n").map(String.init).filter { !$0.hasSuffix("/") }
    }
}

/// Runs a tool with its standard error discarded: its output when it exits 0,
/// else nil.
func runTool(_ tool: String, _ arguments: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}
