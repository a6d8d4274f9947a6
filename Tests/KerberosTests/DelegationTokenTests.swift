import Foundation
import Testing
import TestSupport

/// WebHDFS delegation tokens on the Kerberized embedded cluster, as Hadoop's
/// WebHdfsFileSystem uses them: fetched over SPNEGO, then sent as
/// `delegation=` with no Kerberos; renewed and cancelled over SPNEGO.
extension SecuredClusterTests {
    @Test("delegation tokens: GETDELEGATIONTOKEN over SPNEGO; delegation= stands for its owner with no Kerberos; forged, other users' and cancelled tokens refused; renew by the renewer only")
    func delegationTokens() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let alice = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                let bob = realm.environment(ccache: "FILE:\(dir)/bob.cc")
                let none = realm.environment(ccache: "FILE:\(dir)/none.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: alice).status == 0)
                #expect(try run("/usr/bin/kinit", ["-kt", realm.bob, "bob"], environment: bob).status == 0)
                let base = cluster.url + "/webhdfs/v1"
                func json(_ body: String) -> [String: Any] {
                    ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:]
                }
                func token(_ env: [String: String], renewer: String? = nil) throws -> String {
                    let r = try curl(["--negotiate", "-u", ":", base + "/?op=GETDELEGATIONTOKEN" + (renewer.map { "&renewer=\($0)" } ?? "")], env: env)
                    #expect(r.status == 200, "\(r.status) \(r.body)")
                    return ((json(r.body)["Token"] as? [String: Any])?["urlString"] as? String) ?? ""
                }
                let aliceToken = try token(alice)
                #expect(!aliceToken.isEmpty && !aliceToken.contains("=") && !aliceToken.contains("+") && !aliceToken.contains("/"),
                        "URL-safe base64 without padding: \(aliceToken)")

                // With the token alone (no ticket), alice makes a private directory and a file.
                let made = try curl(["-X", "PUT", base + "/user/alice/private?op=MKDIRS&permission=700&delegation=\(aliceToken)"], env: none)
                #expect(made.status == 200, "\(made.status) \(made.body)")
                let created = try curl(["-L", "-X", "PUT", "--data-binary", "hers",
                                        base + "/user/alice/private/f?op=CREATE&delegation=\(aliceToken)"], env: none)
                #expect(created.status == 201, "\(created.status) \(created.body)")
                let status = try curl([base + "/user/alice/private/f?op=GETFILESTATUS&delegation=\(aliceToken)"], env: none)
                #expect((json(status.body)["FileStatus"] as? [String: Any])?["owner"] as? String == "alice", "\(status.body)")

                // Bob, by ticket or by his own token, is bob: 403 in alice's directory.
                let bobToken = try token(bob)
                #expect(try curl([base + "/user/alice/private/f?op=OPEN&delegation=\(bobToken)"], env: none).status == 403)
                #expect(try curl(["--negotiate", "-u", ":", base + "/user/alice/private?op=LISTSTATUS"], env: bob).status == 403)

                // A token with one byte changed, or not a token at all: 403 InvalidToken, nothing made.
                var bytes = Array(aliceToken)
                let i = bytes.count / 2
                bytes[i] = bytes[i] == "A" ? "B" : "A"
                for forged in [String(bytes), "bm90LWEtdG9rZW4", "%00"] {
                    let r = try curl(["-X", "PUT", base + "/user/alice/x?op=MKDIRS&delegation=\(forged)"], env: none)
                    #expect(r.status == 403 && r.body.contains("InvalidToken"), "\(r.status) \(r.body)")
                }
                #expect(try curl([base + "/user/alice/x?op=GETFILESTATUS&delegation=\(aliceToken)"], env: none).status == 404)
                // A token cannot get another token, nor renew one.
                #expect(try curl([base + "/?op=GETDELEGATIONTOKEN&delegation=\(aliceToken)"], env: none).status == 403)

                // A renewer named by its principal is kept by its short name, as
                // Hadoop's identifier keeps it (Flink asks so, then renews as alice).
                let named = try token(alice, renewer: "alice@\(realm.kdc.realm)")
                #expect(try curl(["--negotiate", "-u", ":", "-X", "PUT", base + "/?op=RENEWDELEGATIONTOKEN&token=\(named)"], env: alice).status == 200)

                // Renew: the renewer only (alice by default); bob is refused.
                let renewed = try curl(["--negotiate", "-u", ":", "-X", "PUT", base + "/?op=RENEWDELEGATIONTOKEN&token=\(aliceToken)"], env: alice)
                let expiry = json(renewed.body)["long"] as? Int64 ?? 0
                #expect(renewed.status == 200 && expiry > Int64(Date().timeIntervalSince1970 * 1000), "\(renewed.body)")
                #expect(try curl(["--negotiate", "-u", ":", "-X", "PUT", base + "/?op=RENEWDELEGATIONTOKEN&token=\(aliceToken)"], env: bob).status == 403)
                // Cancel: bob may not cancel alice's; alice may; then it is refused.
                #expect(try curl(["--negotiate", "-u", ":", "-X", "PUT", base + "/?op=CANCELDELEGATIONTOKEN&token=\(aliceToken)"], env: bob).status == 403)
                #expect(try curl([base + "/user/alice/private/f?op=GETFILESTATUS&delegation=\(aliceToken)"], env: none).status == 200)
                #expect(try curl(["--negotiate", "-u", ":", "-X", "PUT", base + "/?op=CANCELDELEGATIONTOKEN&token=\(aliceToken)"], env: alice).status == 200)
                let after = try curl([base + "/user/alice/private/f?op=GETFILESTATUS&delegation=\(aliceToken)"], env: none)
                #expect(after.status == 403 && after.body.contains("InvalidToken"), "\(after.status) \(after.body)")

                // The token never reaches the cluster's log.
                let log = (try? String(contentsOfFile: dir + "/cluster/logs/cluster.log", encoding: .utf8)) ?? ""
                #expect(!log.contains(aliceToken) && !log.contains(bobToken))
            }
        }
    }
}

extension SecuredClusterTests {
    /// `hadoop fs ARGS` (Apache Hadoop 3.3.4's FsShell from the jars
    /// scripts/setup.sh installs) with Kerberos: the ticket cache `env` names,
    /// the realm's krb5.conf, a core-site.xml that turns security on.
    static func kerberizedFS(_ conf: String, _ realm: Realm, _ env: [String: String], _ args: [String]) throws -> CommandResult {
        let jars = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.flinkctl/hadoop-3.3.4/share/hadoop/common/lib"
        return try run("/usr/bin/java", ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.security.krb5.conf=" + realm.kdc.krb5Conf,
                                         "-cp", "\(conf):\(jars)/*", "org.apache.hadoop.fs.FsShell"] + args,
                       environment: env.merging(["HADOOP_USER_NAME": ""]) { $1 })
    }

    @Test("hadoop fs with Kerberos (-mkdir -p, -put, -chmod, -stat, -cat, -ls -R, -get, -appendToFile, -mv, -du -s, -count, -checksum, -rm -r to the trash): Hadoop's own WebHdfsFileSystem logs in with SPNEGO and works with a delegation token; files are the principal's; bob gets Permission denied")
    func kerberizedHadoopClient() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let conf = dir + "/conf"
                try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
                try """
                <configuration>
                  <property><name>hadoop.security.authentication</name><value>kerberos</value></property>
                </configuration>
                """.write(toFile: conf + "/core-site.xml", atomically: true, encoding: .utf8)
                let alice = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                let bob = realm.environment(ccache: "FILE:\(dir)/bob.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: alice).status == 0)
                #expect(try run("/usr/bin/kinit", ["-kt", realm.bob, "bob"], environment: bob).status == 0)
                let home = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/alice"
                try "hello\n".write(toFile: dir + "/hello", atomically: true, encoding: .utf8)

                let mkdir = try Self.kerberizedFS(conf, realm, alice, ["-mkdir", "-p", home + "/d"])
                #expect(mkdir.status == 0, "\(mkdir.stdout) \(mkdir.stderr)")
                let put = try Self.kerberizedFS(conf, realm, alice, ["-put", dir + "/hello", home + "/d/hello"])
                #expect(put.status == 0, "\(put.stdout) \(put.stderr)")
                let chmod = try Self.kerberizedFS(conf, realm, alice, ["-chmod", "-R", "700", home + "/d"])
                #expect(chmod.status == 0, "\(chmod.stdout) \(chmod.stderr)")
                let stat = try Self.kerberizedFS(conf, realm, alice, ["-stat", "%u %a", home + "/d/hello"])
                #expect(stat.stdout == "alice 700\n", "\(stat.stdout) \(stat.stderr)")
                let cat = try Self.kerberizedFS(conf, realm, alice, ["-cat", home + "/d/hello"])
                #expect(cat.stdout == "hello\n", "\(cat.stderr)")
                // The rest of the everyday commands, in one JVM each as `hadoop fs` runs them.
                let listing = try Self.kerberizedFS(conf, realm, alice, ["-ls", "-R", home])
                #expect(listing.status == 0 && listing.stdout.contains(" alice ") && listing.stdout.contains("/user/alice/d/hello"), "\(listing.stdout) \(listing.stderr)")
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-get", home + "/d/hello", dir + "/hello.copy"]).status == 0)
                #expect(FileManager.default.contents(atPath: dir + "/hello.copy") == Data("hello\n".utf8))
                try "more\n".write(toFile: dir + "/more", atomically: true, encoding: .utf8)
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-appendToFile", dir + "/more", home + "/d/hello"]).status == 0)
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-mv", home + "/d/hello", home + "/d/moved"]).status == 0)
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-cat", home + "/d/moved"]).stdout == "hello\nmore\n")
                let du = try Self.kerberizedFS(conf, realm, alice, ["-du", "-s", home + "/d"])
                #expect(du.stdout.split(separator: " ").first == "11", "\(du.stdout) \(du.stderr)")
                let count = try Self.kerberizedFS(conf, realm, alice, ["-count", home + "/d"])
                #expect(count.stdout.split(separator: " ").map(String.init).prefix(3) == ["1", "1", "11"], "\(count.stdout) \(count.stderr)")
                let checksum = try Self.kerberizedFS(conf, realm, alice, ["-checksum", home + "/d/moved"])
                #expect(checksum.status == 0 && checksum.stdout.contains("MD5-of-0MD5-of-512CRC32C"), "\(checksum.stdout) \(checksum.stderr)")
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-mv", home + "/d/moved", home + "/d/hello"]).status == 0)

                let rm = try Self.kerberizedFS(conf, realm, alice, ["-rm", "-r", home + "/d/hello"])
                #expect(rm.status == 0, "\(rm.stdout) \(rm.stderr)")
                #expect(try Self.kerberizedFS(conf, realm, alice, ["-test", "-e", home + "/.Trash/Current/user/alice/d/hello"]).status == 0)

                // Hadoop's client asked for a delegation token (once per command), as on a real cluster.
                let log = (try? String(contentsOfFile: dir + "/cluster/logs/cluster.log", encoding: .utf8)) ?? ""
                let issued = log.components(separatedBy: "WebHDFS delegation token issued").count - 1
                #expect(issued >= 15 && log.contains("owner=alice@\(realm.kdc.realm)"), "tokens issued: \(issued)")

                let theirs = try Self.kerberizedFS(conf, realm, bob, ["-ls", home + "/d"])
                #expect(theirs.status != 0 && theirs.stderr.contains("Permission denied"), "\(theirs.stdout) \(theirs.stderr)")
                // Without a ticket nothing works.
                let nobody = try Self.kerberizedFS(conf, realm, realm.environment(), ["-ls", home])
                #expect(nobody.status != 0, "\(nobody.stdout)")
            }
        }
    }
}
