import Foundation
import Testing
import TestSupport

/// Apache Hadoop 3.3.4's own client (FsShell over WebHdfsFileSystem, the
/// jars `scripts/setup.sh` installs) against the embedded WebHDFS: the
/// everyday `hadoop fs` commands, as a user of a real cluster types them.
@Suite("hadoop fs (Apache Hadoop 3.3.4's FsShell) against the embedded WebHDFS")
struct HadoopClientTests {
    static var jars: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.flinkctl/hadoop-3.3.4/share/hadoop/common/lib"
    }

    /// `hadoop fs ARGS` as `user`, from `dir` (its core-site.xml names nothing:
    /// every path is a full webhdfs:// URI).
    static func fs(_ dir: String, _ user: String, _ args: [String]) throws -> CommandResult {
        try run("/usr/bin/java", ["-Xmx256m", "-cp", "\(dir)/conf:\(jars)/*", "org.apache.hadoop.fs.FsShell"] + args,
                environment: ["HADOOP_USER_NAME": user])
    }

    @Test("-mkdir -p, -put, -ls -R, -cat, -get, -mv, -du -s, -count, -chmod/-stat, -appendToFile, -checksum, -rm -r to the trash; owners are who wrote")
    func everydayCommands() async throws {
        try await withTestCluster { cluster in
            let dir = cluster.directory + "/client"
            try FileManager.default.createDirectory(atPath: dir + "/conf", withIntermediateDirectories: true)
            try "<configuration/>\n".write(toFile: dir + "/conf/core-site.xml", atomically: true, encoding: .utf8)
            let port = cluster.url.split(separator: ":").last!
            let home = "webhdfs://127.0.0.1:\(port)/user/alice"
            func alice(_ args: String...) throws -> CommandResult { try Self.fs(dir, "alice", args) }
            func ok(_ r: CommandResult, _ what: String) { #expect(r.status == 0, "\(what): \(r.stdout) \(r.stderr)") }

            ok(try alice("-mkdir", "-p", "\(home)/d/e"), "-mkdir -p")
            var big = [UInt8](repeating: 0, count: 5 * 1024 * 1024)
            for i in big.indices { big[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
            try Data(big).write(to: URL(fileURLWithPath: dir + "/big"))
            try "hello world\n".write(toFile: dir + "/hello", atomically: true, encoding: .utf8)
            ok(try alice("-put", dir + "/big", dir + "/hello", "\(home)/d/"), "-put")

            let listing = try alice("-ls", "-R", home)
            ok(listing, "-ls -R")
            for path in ["/user/alice/d/e", "/user/alice/d/big", "/user/alice/d/hello"] {
                #expect(listing.stdout.contains(path), "\(listing.stdout)")
            }
            let bigLine = listing.stdout.split(separator: "\n").first { $0.hasSuffix("/user/alice/d/big") } ?? ""
            #expect(bigLine.contains(" alice ") && bigLine.contains(" 5242880 "), "owner and size: \(bigLine)")

            #expect(try alice("-cat", "\(home)/d/hello").stdout == "hello world\n")
            ok(try alice("-get", "\(home)/d/big", dir + "/big.copy"), "-get")
            #expect(FileManager.default.contents(atPath: dir + "/big.copy") == Data(big), "-get gives back the same 5 MB")

            // A name with a space: Hadoop's client writes it as '+' in the query.
            ok(try alice("-mv", "\(home)/d/hello", "\(home)/d/hello there"), "-mv")
            #expect(try alice("-cat", "\(home)/d/hello there").stdout == "hello world\n")
            #expect(try alice("-test", "-e", "\(home)/d/hello").status == 1, "the source is gone")

            let du = try alice("-du", "-s", "\(home)/d")
            ok(du, "-du -s")
            #expect(du.stdout.split(separator: " ").first == "\(big.count + 12)", "\(du.stdout)")
            let count = try alice("-count", "\(home)/d")
            ok(count, "-count")
            #expect(count.stdout.split(separator: " ").map(String.init).prefix(3) == ["2", "2", "\(big.count + 12)"], "\(count.stdout)")

            ok(try alice("-chmod", "600", "\(home)/d/big"), "-chmod")
            #expect(try alice("-stat", "%a %u", "\(home)/d/big").stdout == "600 alice\n")
            let bob = try Self.fs(dir, "bob", ["-cat", "\(home)/d/big"])
            #expect(bob.status != 0 && bob.stderr.contains("Permission denied"), "\(bob.stderr)")

            try "and more\n".write(toFile: dir + "/more", atomically: true, encoding: .utf8)
            ok(try alice("-appendToFile", dir + "/more", "\(home)/d/hello there"), "-appendToFile")
            #expect(try alice("-cat", "\(home)/d/hello there").stdout == "hello world\nand more\n")

            // HDFS's MD5-of-MD5-of-CRC32C, as Hadoop's own classes compute it
            // for these 12 bytes.
            ok(try alice("-put", dir + "/hello", "\(home)/d/hello"), "-put again")
            let checksum = try alice("-checksum", "\(home)/d/hello")
            #expect(checksum.stdout.contains("MD5-of-0MD5-of-512CRC32C\t000002000000000000000000cb719ad85249ddab138233798a828f23"),
                    "\(checksum.stdout) \(checksum.stderr)")

            // -rm goes to the trash (the server's trash interval is on), as a
            // rename HDFS refuses rather than quietly does not do.
            ok(try alice("-rm", "-r", "\(home)/d/e"), "-rm -r")
            #expect(try alice("-test", "-e", "\(home)/d/e").status == 1)
            #expect(try alice("-test", "-d", "\(home)/.Trash/Current/user/alice/d/e").status == 0, "in the trash")
            ok(try alice("-rm", "-skipTrash", "\(home)/d/hello"), "-rm -skipTrash")
            #expect(try alice("-test", "-e", "\(home)/.Trash/Current/user/alice/d/hello").status == 1)
        }
    }
}
