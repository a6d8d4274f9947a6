import Foundation
import Hadoop
import Testing
import TestSupport

/// Attacks that need Kerberos: forged cookies, other principals' files and
/// containers. Each asserts the refusal and that nothing changed.
extension SecuredClusterTests {
    @Test("finding 3: a principal named with the cookie's separators gets no cookie and no one else's rights")
    func cookieInjection() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let tricky = "a&u=admin&b"
                let keytab = try realm.kdc.addPrincipal(tricky, keytab: dir + "/tricky.keytab")
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let alice = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: alice).status == 0)
                let spec = #"{"name":"alices","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"sleep 120","resource":{"cpus":1,"memory":"64"}}]}"#
                let made = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d", spec,
                                     cluster.url + "/app/v1/services"], env: alice)
                #expect(made.status == 202, "\(made.status) \(made.body)")

                let env = realm.environment(ccache: "FILE:\(dir)/tricky.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", keytab, tricky], environment: env).status == 0)
                let r = try curl(["--negotiate", "-u", ":", "-X", "DELETE", cluster.url + "/app/v1/services/alices"], env: env)
                #expect(r.status == 403, "\(r.status) \(r.body)")
                #expect(!r.headers.lowercased().contains("hadoop.auth=\"u="), "a cookie was issued: \(r.headers)")
                // A cookie whose fields repeat is not read, whatever its signature.
                let ok = try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/cluster/info"], env: alice)
                let cookie = ok.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hadoop.auth=\"") }
                    .map { String($0.dropFirst("set-cookie: ".count).split(separator: ";")[0]) } ?? ""
                #expect(cookie.contains("u=alice"))
                let doubled = cookie.replacingOccurrences(of: "u=alice&", with: "u=alice&u=admin&")
                let none = realm.environment(ccache: "FILE:\(dir)/none.cc")
                #expect(try curl(["-b", doubled, "-X", "DELETE", cluster.url + "/app/v1/services/alices"], env: none).status == 401)
                #expect(try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services/alices"], env: alice).status == 200,
                        "alice's service is still there")
            }
        }
    }

    @Test("finding 13: over HTTPS the hadoop.auth cookie is Secure and HttpOnly, the clearing one too")
    func secureCookie() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                try "cookie-pass\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
                chmod(dir + "/pw", 0o600)
                let gen = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/ks", "--password-file", dir + "/pw", "--key-type", "ec-p256"])
                #expect(gen.status == 0, "\(gen.stderr)")
                let cluster = try TestCluster(directory: dir + "/cluster", memoryMB: 1024, vcores: 2,
                                              extraArguments: ["--kerberos", "--keytab", realm.http, "--principal", realm.principal,
                                                               "--tls", "--keystore", dir + "/ks/flink.keystore", "--password-file", dir + "/pw"],
                                              environment: realm.environment())
                defer { cluster.stop() }
                #expect(cluster.url.hasPrefix("https://localhost:"), "\(cluster.url)")
                let env = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: env).status == 0)
                let ok = try curl(["--cacert", dir + "/ks/ca.pem", "--negotiate", "-u", ":", cluster.url + "/ws/v1/cluster/info"], env: env)
                let cookie = ok.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hadoop.auth=\"") }.map(String.init) ?? ""
                #expect(ok.status == 200 && cookie.contains("; HttpOnly") && cookie.contains("; Secure"), "\(ok.headers)")
                let none = try curl(["--cacert", dir + "/ks/ca.pem", cluster.url + "/ws/v1/cluster/info"], env: realm.environment())
                let clearing = none.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hadoop.auth=") }.map(String.init) ?? ""
                #expect(none.status == 401 && clearing.contains("HttpOnly") && clearing.contains("Secure"), "\(none.headers)")
            }
        }
    }

    @Test("findings 2 and 8 with Kerberos: bob cannot read alice's HDFS files or use them, or host files, as sources; his containers run as bob")
    func containersRunAsTheirUser() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let alice = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                let bob = realm.environment(ccache: "FILE:\(dir)/bob.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: alice).status == 0)
                #expect(try run("/usr/bin/kinit", ["-kt", realm.bob, "bob"], environment: bob).status == 0)
                let hdfs = cluster.url + "/webhdfs/v1"
                // Alice keeps her keytab in HDFS, 400 in a 700 directory.
                #expect(try curl(["--negotiate", "-u", ":", "-X", "PUT", hdfs + "/user/alice/keys?op=MKDIRS&permission=700"], env: alice).status == 200)
                let put = try curl(["--negotiate", "-u", ":", "-L", "-X", "PUT", "-T", realm.alice,
                                    hdfs + "/user/alice/keys/alice.keytab?op=CREATE&permission=400"], env: alice)
                #expect(put.status == 201, "\(put.status) \(put.body)")
                let original = FileManager.default.contents(atPath: realm.alice)!

                for (what, args) in [("OPEN", ["-L", hdfs + "/user/alice/keys/alice.keytab?op=OPEN"]),
                                     ("LISTSTATUS", [hdfs + "/user/alice/keys?op=LISTSTATUS"]),
                                     ("DELETE", ["-X", "DELETE", hdfs + "/user/alice?op=DELETE&recursive=true"]),
                                     ("user.name=alice", ["-L", hdfs + "/user/alice/keys/alice.keytab?op=OPEN&user.name=alice"])] {
                    let r = try curl(["--negotiate", "-u", ":"] + args, env: bob)
                    #expect(r.status == 403 && !r.body.contains(String(decoding: original.suffix(16), as: UTF8.self)), "bob \(what): \(r.status) \(r.body)")
                }
                let back = try curl(["--negotiate", "-u", ":", "-L", hdfs + "/user/alice/keys/alice.keytab?op=OPEN"], env: alice)
                #expect(back.status == 200)

                // Bob may not name alice's file, the cluster's keytab or any host file as a source.
                for src in ["hdfs:///user/alice/keys/alice.keytab", "file://" + realm.http, realm.http] {
                    let spec = #"{"name":"steal","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"cat resources/k","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"\#(src)","dest_file":"k"}]}}]}"#
                    let r = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d", spec,
                                      cluster.url + "/app/v1/services"], env: bob)
                    #expect(r.status == 403, "bob with \(src): \(r.status) \(r.body)")
                }

                // Bob's own container runs as the local user bob, who cannot read the cluster's files.
                let probe = "id -un; cat \(realm.http) >/dev/null 2>&1 && echo READ-HTTP-KEYTAB; cat \(cluster.directory)/state/cluster-state.json >/dev/null 2>&1 && echo READ-STATE; ln -s \(realm.http) $LOG_DIRS/planted; echo done"
                let spec = #"{"name":"bobs","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"\#(probe)","resource":{"cpus":1,"memory":"64"}}]}"#
                let made = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d", spec,
                                     cluster.url + "/app/v1/services"], env: bob)
                #expect(made.status == 202, "\(made.status) \(made.body)")
                var out = ""
                #expect(await eventually(timeout: 20) {
                    out = (FileManager.default.enumerator(atPath: cluster.directory + "/logs")?.allObjects as? [String] ?? [])
                        .filter { $0.hasSuffix("/stdout") }
                        .compactMap { try? String(contentsOfFile: cluster.directory + "/logs/" + $0, encoding: .utf8) }.joined()
                    return out.contains("done")
                }, "\(out)")
                #expect(out.hasPrefix("bob\n") && !out.contains("READ-"), "\(out)")
                // Its logs are bob's: alice may not read them over REST. (Its
                // service has ended, so they are the log server's.)
                let stdout = (FileManager.default.enumerator(atPath: cluster.directory + "/logs")?.allObjects as? [String] ?? [])
                    .first { $0.hasSuffix("/stdout") } ?? ""
                let cid = stdout.split(separator: "/").dropLast().last.map(String.init) ?? ""
                #expect(cid.hasPrefix("container_"), "\(stdout)")
                #expect(try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/applicationhistory/containerlogs/\(cid)/stdout"], env: alice).status == 403)
                #expect(try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/applicationhistory/containerlogs/\(cid)/stdout"], env: bob).status == 200)
                // A link bob planted in his log directory is not followed by the cluster.
                let planted = try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/applicationhistory/containerlogs/\(cid)/planted"], env: bob)
                #expect(planted.status == 404, "\(planted.status) \(planted.body)")
                let listing = try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/applicationhistory/containers/\(cid)/logs"], env: bob)
                #expect(listing.status == 200 && !listing.body.contains("planted"), "\(listing.body)")
            }
        }
    }

    @Test("review: a user's environment reaches setpriv never (LD_PRELOAD runs as the user, not root); others see no one's env; no system accounts")
    func environmentBoundary() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                // A library whose constructor records who loaded it.
                chmod(dir, 0o755)
                try """
                #include <stdio.h>
                #include <unistd.h>
                __attribute__((constructor)) static void mark(void) {
                    FILE *f = fopen("\(dir)/marks/m", "a");
                    if (f) { fprintf(f, "uid=%d euid=%d\\n", getuid(), geteuid()); fclose(f); }
                }
                """.write(toFile: dir + "/mark.c", atomically: true, encoding: .utf8)
                #expect(try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", dir + "/mark.so", dir + "/mark.c"]).status == 0)
                chmod(dir + "/mark.so", 0o755)
                try FileManager.default.createDirectory(atPath: dir + "/marks", withIntermediateDirectories: true)
                chmod(dir + "/marks", 0o777)
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let bob = realm.environment(ccache: "FILE:\(dir)/bob.cc")
                let alice = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.bob, "bob"], environment: bob).status == 0)
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: alice).status == 0)
                let spec = #"{"name":"preload","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"echo ran","resource":{"cpus":1,"memory":"64"},"configuration":{"env":{"LD_PRELOAD":"\#(dir)/mark.so","DB_PASSWORD":"hunter2"}}}]}"#
                let made = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d", spec, cluster.url + "/app/v1/services"], env: bob)
                #expect(made.status == 202, "\(made.status) \(made.body)")
                #expect(await eventually(timeout: 20) {
                    (try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services/preload"], env: bob)).body.contains("SUCCEEDED")
                })
                let marks = (try? String(contentsOfFile: dir + "/marks/m", encoding: .utf8)) ?? ""
                let bobUid = getpwnam("bob")!.pointee.pw_uid
                #expect(!marks.isEmpty && !marks.contains("euid=0") && marks.contains("euid=\(bobUid)"), "\(marks)")
                // Bob's environment is his: alice sees the service without it, bob and the admin with it.
                let seen = try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services/preload"], env: alice)
                #expect(seen.status == 200 && !seen.body.contains("hunter2") && !seen.body.contains("LD_PRELOAD"), "\(seen.body)")
                #expect(try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services/preload"], env: bob).body.contains("hunter2"))
                #expect(!(try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services"], env: alice)).body.contains("hunter2"))

                // A principal named as a system account gets no container as it.
                let daemonKeytab = try realm.kdc.addPrincipal("daemon", keytab: dir + "/daemon.keytab")
                let daemon = realm.environment(ccache: "FILE:\(dir)/daemon.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", daemonKeytab, "daemon"], environment: daemon).status == 0)
                let sys = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d",
                                    spec.replacingOccurrences(of: "preload", with: "sysacct"), cluster.url + "/app/v1/services"], env: daemon)
                #expect(sys.status == 403 && sys.body.contains("below 1000"), "\(sys.status) \(sys.body)")
            }
        }
    }

    @Test("finding 8: a principal with no local user cannot start containers on a Kerberized cluster (403, nothing created)")
    func noLocalUser() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let name = "nolocal\(Int.random(in: 1000..<9999))"
                let keytab = try realm.kdc.addPrincipal(name, keytab: dir + "/n.keytab")
                let cluster = try realm.startCluster(in: dir + "/cluster")
                defer { cluster.stop() }
                let env = realm.environment(ccache: "FILE:\(dir)/n.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", keytab, name], environment: env).status == 0)
                let spec = #"{"name":"orphan","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"sleep 60","resource":{"cpus":1,"memory":"64"}}]}"#
                let r = try curl(["--negotiate", "-u", ":", "-X", "POST", "-H", "Content-Type: application/json", "-d", spec,
                                  cluster.url + "/app/v1/services"], env: env)
                #expect(r.status == 403 && r.body.contains("no local user"), "\(r.status) \(r.body)")
                #expect(try curl(["--negotiate", "-u", ":", cluster.url + "/app/v1/services/orphan"], env: env).status == 404)
            }
        }
    }
}
