import Foundation
import Hadoop
import Testing
import TestSupport

@Suite("WebHDFS on the embedded cluster")
struct WebHDFSTests {
    @Test("MKDIRS with 700, two-step CREATE, OPEN, LISTSTATUS, overwrite rules, DELETE: as Hadoop answers, files under --dir")
    func roundTrip() async throws {
        try await withTestCluster { cluster in
            let fs = try WebHDFSClient(baseURL: cluster.url, user: "alice")
            let dir = "/user/alice/.flinkctl/staging/job-1"
            #expect(try fs.mkdirs(dir, permission: "700"))
            let d = try #require(try fs.status(dir))
            #expect(d.isDirectory && d.permission == "700" && d.childrenNum == 0)
            // Her home directory is made for her, 755, as an administrator would;
            // other parents made on the way get the permission with u+wx, as in HDFS.
            #expect(try fs.status("/user/alice")?.permission == "755" && fs.status("/user/alice")?.owner == "alice")
            #expect(try fs.status("/user/alice/.flinkctl")?.permission == "700")
            let admin = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            #expect(try admin.mkdirs("/public/a", permission: "444"))
            #expect(try fs.status("/public")?.permission == "744" && admin.status("/public/a")?.permission == "444")
            // 744 lets alice list /public but not pass through it, as in HDFS.
            #expect(throws: HadoopError.self) { try fs.status("/public/a") }

            let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try fs.create(dir + "/job.jar", data: bytes, permission: "600")
            let f = try #require(try fs.status(dir + "/job.jar"))
            #expect(f.type == "FILE" && f.length == 300_000 && f.permission == "600" && f.replication == 1)
            #expect(try fs.open(dir + "/job.jar") == bytes)
            try fs.create(dir + "/deployment.json", data: Array("{}".utf8))
            #expect(try fs.list(dir).map(\.pathSuffix) == ["deployment.json", "job.jar"])
            #expect(try fs.status(dir + "/deployment.json")?.permission == "644")

            // What HDFS stores is on disk under the cluster's --dir, private to
            // the cluster whatever its HDFS permission: that is metadata.
            let local = cluster.directory + "/hdfs" + dir
            #expect(FileManager.default.contents(atPath: local + "/job.jar") == Data(bytes))
            for path in [local, local + "/job.jar", cluster.directory + "/hdfs/public/a"] {
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
                #expect(mode == 0o700, "\(path)")
            }

            // An existing file is not replaced unless asked.
            do {
                try fs.create(dir + "/deployment.json", data: Array("[]".utf8))
                Issue.record("CREATE over an existing file without overwrite succeeded")
            } catch let e as HadoopError {
                #expect(e.status == 403 && e.exception == "FileAlreadyExistsException", "\(e)")
            }
            try fs.create(dir + "/deployment.json", data: Array("[]".utf8), overwrite: true)
            #expect(try fs.open(dir + "/deployment.json") == Array("[]".utf8))

            // DELETE: a non-empty directory needs recursive; a missing path is false, not 404.
            do {
                try fs.delete(dir, recursive: false)
                Issue.record("DELETE of a non-empty directory without recursive succeeded")
            } catch let e as HadoopError {
                #expect(e.status == 403, "\(e)")
            }
            #expect(try fs.delete(dir, recursive: true))
            #expect(try fs.status(dir) == nil)
            #expect(try fs.delete(dir, recursive: true) == false)
            #expect(!FileManager.default.fileExists(atPath: local))
        }
    }

    @Test("MKDIRS of sibling trees at once under parents none of them has yet (as Flink's HA stores do): all succeed, parents are made once, with their owner and mode, and nothing half-made is left")
    func concurrentMkdirs() async throws {
        try await withTestCluster { cluster in
            let url = cluster.url
            let users = ["alice", "bob"]
            let results = await withTaskGroup(of: (String, Result<Bool, any Error>).self) { group in
                for round in 0..<4 {
                    for i in 0..<12 {
                        let user = users[round % 2]
                        let path = "/tmp/race-\(round)/shared/deep/\(user)-\(i)"
                        group.addTask {
                            (path, Result { try WebHDFSClient(baseURL: url, user: user).mkdirs(path, permission: "750") })
                        }
                    }
                }
                var out: [(String, Result<Bool, any Error>)] = []
                for await r in group { out.append(r) }
                return out
            }
            #expect(results.count == 48)
            for (path, r) in results {
                switch r {
                case .success(let made): #expect(made, "\(path)")
                case .failure(let e): Issue.record("MKDIRS \(path): \(e)")
                }
            }
            let admin = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            for round in 0..<4 {
                let deep = "/tmp/race-\(round)/shared/deep"
                // Each parent has its maker as owner and the mode a made
                // parent gets (750 | u+wx); every leaf is its maker's.
                #expect(try admin.status(deep)?.owner == users[round % 2])
                #expect(try admin.status("/tmp/race-\(round)")?.permission == "750")
                let leaves = try admin.list(deep)
                #expect(leaves.count == 12, "\(leaves.map(\.pathSuffix))")
                for leaf in leaves {
                    #expect(leaf.owner == String(leaf.pathSuffix.prefix { $0 != "-" }) && leaf.permission == "750")
                }
                // On disk: no temporary left beside them.
                let names = try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/hdfs" + deep)
                #expect(names.sorted() == leaves.map(\.pathSuffix).sorted(), "\(names)")
            }
        }
    }

    @Test("RENAME moves a file, into a directory too; a missing source or an existing file as destination is false")
    func rename() async throws {
        try await withTestCluster { cluster in
            let fs = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            try fs.mkdirs("/c", permission: "700")
            try fs.create("/c/a.tmp", data: Array("one".utf8), permission: "600")
            #expect(try fs.rename("/c/a.tmp", to: "/c/a"))
            #expect(try fs.status("/c/a.tmp") == nil && fs.open("/c/a") == Array("one".utf8))
            #expect(try fs.status("/c/a")?.permission == "600")
            try fs.create("/c/b.tmp", data: Array("two".utf8))
            #expect(try fs.rename("/c/b.tmp", to: "/c/a") == false, "a file is not renamed over another")
            #expect(try fs.open("/c/a") == Array("one".utf8))
            #expect(try fs.rename("/c/missing", to: "/c/x") == false)
            #expect(try fs.rename("/c/b.tmp", to: "/no/such/parent") == false)
            try fs.mkdirs("/d")
            #expect(try fs.rename("/c/b.tmp", to: "/d"))
            #expect(try fs.open("/d/b.tmp") == Array("two".utf8))
            #expect(try fs.rename("/d", to: "/d/inside") == false, "a directory does not move into itself")
            do {
                _ = try fs.rename("/c/a", to: "relative")
                Issue.record("a relative destination was taken")
            } catch let e as HadoopError {
                #expect(e.status == 400, "\(e)")
            }
        }
    }

    @Test("CREATE's first step redirects with no body taken; bad input gets Hadoop's statuses and RemoteException")
    func protocolAndErrors() async throws {
        try await withTestCluster { cluster in
            let base = cluster.url + "/webhdfs/v1"
            func curl(_ args: [String]) throws -> String { try run("/usr/bin/curl", ["-s", "-i"] + args).stdout }

            // Step 1: 307 to the DataNode step, nothing written yet.
            let step1 = try curl(["-X", "PUT", base + "/tmp/a.txt?op=CREATE&user.name=bob"])
            #expect(step1.hasPrefix("HTTP/1.1 307"), "\(step1)")
            let location = try #require(step1.split(separator: "\r\n").first { $0.lowercased().hasPrefix("location:") }
                .map { $0.dropFirst("location:".count).trimmingCharacters(in: .whitespaces) })
            #expect(location.contains("op=CREATE") && location.contains("user.name=bob") && location.contains("datanode=true"))
            #expect(!FileManager.default.fileExists(atPath: cluster.directory + "/hdfs/tmp/a.txt"))
            // Step 2: the bytes, 201 Created with the file's webhdfs:// location.
            let step2 = try curl(["-X", "PUT", "--data-binary", "hello", location])
            #expect(step2.hasPrefix("HTTP/1.1 201") && step2.lowercased().contains("location: webhdfs://"), "\(step2)")
            #expect(try run("/usr/bin/curl", ["-s", "-L", base + "/tmp/a.txt?op=OPEN&user.name=bob"]).stdout == "hello")

            func remote(_ args: [String]) throws -> (Int, String) {
                let r = try run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}"] + args).stdout
                let lines = r.split(separator: "\n")
                let status = Int(lines.last ?? "") ?? 0
                let body = lines.dropLast().joined(separator: "\n")
                let obj = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                let exception = (obj?["RemoteException"] as? [String: Any])?["exception"] as? String ?? body
                return (status, exception)
            }
            #expect(try remote([base + "/nope?op=GETFILESTATUS&user.name=bob"]) == (404, "FileNotFoundException"))
            #expect(try remote([base + "/nope?op=OPEN&user.name=bob"]) == (404, "FileNotFoundException"))
            #expect(try remote([base + "/tmp?op=MKDIRS&user.name=bob"]) == (400, "IllegalArgumentException"))  // MKDIRS is a PUT
            #expect(try remote([base + "/tmp?op=FROBNICATE&user.name=bob"]).0 == 400)
            #expect(try remote(["-X", "PUT", base + "/tmp/x?op=MKDIRS&permission=999&user.name=bob"]) == (400, "IllegalArgumentException"))
            #expect(try remote(["-X", "PUT", base + "/tmp/x?op=MKDIRS"]).0 == 401)  // no user.name
            #expect(try remote(["-X", "PUT", base + "/tmp/a.txt?op=MKDIRS&user.name=bob"]) == (403, "FileAlreadyExistsException"))
            #expect(try remote(["--path-as-is", base + "/tmp/../../etc?op=LISTSTATUS&user.name=bob"]).0 == 400)
            #expect(!FileManager.default.fileExists(atPath: cluster.directory + "/hdfs/tmp/x"))
        }
    }

    /// Every entry under `dir`: its kind, size, mode, owner and times, for
    /// "nothing changed".
    static func snapshot(_ dir: String) -> [String: String] {
        var out: [String: String] = [:]
        let names = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        for name in names + ["."] {
            var st = stat()
            guard lstat(dir + "/" + name, &st) == 0 else { continue }
            out[name] = "\(st.st_mode) \(st.st_size) \(st.st_uid) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_atim.tv_sec)"
        }
        return out
    }

    @Test("the ops Hadoop's own client sends (SETPERMISSION, SETOWNER, SETTIMES, APPEND, rename2, GETFILECHECKSUM, GETCONTENTSUMMARY, …): bad input gets Hadoop's status and exception, and changes nothing")
    func hadoopClientOpsBadInput() async throws {
        try await withTestCluster { cluster in
            let base = cluster.url + "/webhdfs/v1"
            func remote(_ args: [String]) throws -> (Int, String) {
                let r = try run("/usr/bin/curl", ["-s", "-L", "-w", "\n%{http_code}"] + args).stdout
                let lines = r.split(separator: "\n", omittingEmptySubsequences: false)
                let status = Int(lines.last ?? "") ?? 0
                let body = lines.dropLast().joined(separator: "\n")
                let obj = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                return (status, (obj?["RemoteException"] as? [String: Any])?["exception"] as? String ?? body)
            }
            // alice's private directory and file, bob's file beside it.
            #expect(try remote(["-X", "PUT", base + "/user/alice/private?op=MKDIRS&permission=700&user.name=alice"]).0 == 200)
            #expect(try remote(["-X", "PUT", "--data-binary", "secret", base + "/user/alice/private/f?op=CREATE&user.name=alice"]).0 == 201)
            #expect(try remote(["-X", "PUT", base + "/tmp?op=MKDIRS&permission=1777&user.name=alice"]).0 == 200)
            #expect(try remote(["-X", "PUT", "--data-binary", "bob", base + "/tmp/b?op=CREATE&user.name=bob"]).0 == 201)
            #expect(try remote(["-X", "PUT", "--data-binary", "bob2", base + "/tmp/b2?op=CREATE&user.name=bob"]).0 == 201)
            let store = cluster.directory + "/hdfs"
            let before = Self.snapshot(store)

            let cases: [(what: String, args: [String], status: Int, exception: String)] = [
                ("SETPERMISSION with a bad mode", ["-X", "PUT", base + "/tmp/b?op=SETPERMISSION&permission=989&user.name=bob"], 400, "IllegalArgumentException"),
                ("SETPERMISSION on someone else's file", ["-X", "PUT", base + "/tmp/b?op=SETPERMISSION&permission=777&user.name=alice"], 403, "AccessControlException"),
                ("SETPERMISSION on a missing path", ["-X", "PUT", base + "/tmp/nope?op=SETPERMISSION&permission=777&user.name=bob"], 404, "FileNotFoundException"),
                ("SETPERMISSION as a GET", [base + "/tmp/b?op=SETPERMISSION&permission=777&user.name=bob"], 400, "IllegalArgumentException"),
                ("SETOWNER to another user by a non-superuser", ["-X", "PUT", base + "/tmp/b?op=SETOWNER&owner=alice&user.name=bob"], 403, "AccessControlException"),
                ("SETOWNER with no owner and no group", ["-X", "PUT", base + "/tmp/b?op=SETOWNER&user.name=bob"], 400, "IllegalArgumentException"),
                ("SETOWNER to a name with a slash", ["-X", "PUT", base + "/tmp/b?op=SETOWNER&group=a/b&user.name=bob"], 400, "IllegalArgumentException"),
                ("SETTIMES with a time that is not a number", ["-X", "PUT", base + "/tmp/b?op=SETTIMES&modificationtime=soon&user.name=bob"], 400, "IllegalArgumentException"),
                ("SETTIMES on someone else's file", ["-X", "PUT", base + "/tmp/b?op=SETTIMES&modificationtime=0&user.name=alice"], 403, "AccessControlException"),
                ("APPEND to a directory", ["-X", "POST", "--data-binary", "x", base + "/tmp?op=APPEND&user.name=alice"], 404, "FileNotFoundException"),
                ("APPEND to someone else's file", ["-X", "POST", "--data-binary", "x", base + "/tmp/b?op=APPEND&user.name=alice"], 403, "AccessControlException"),
                ("APPEND to a missing file", ["-X", "POST", "--data-binary", "x", base + "/tmp/nope?op=APPEND&user.name=bob"], 404, "FileNotFoundException"),
                ("rename2 with an unknown option", ["-X", "PUT", base + "/tmp/b?op=RENAME&destination=/tmp/c&renameoptions=SIDEWAYS&user.name=bob"], 400, "IllegalArgumentException"),
                ("rename2 onto an existing file without OVERWRITE", ["-X", "PUT", base + "/tmp/b?op=RENAME&destination=/tmp/b2&renameoptions=NONE&user.name=bob"], 403, "FileAlreadyExistsException"),
                ("rename2 into a directory bob may not enter", ["-X", "PUT", base + "/tmp/b?op=RENAME&destination=/user/alice/private/g&renameoptions=NONE&user.name=bob"], 403, "AccessControlException"),
                // A 644 file in a 700 directory is private: its parent must be searchable.
                ("OPEN of a file in a directory bob may not enter", [base + "/user/alice/private/f?op=OPEN&user.name=bob"], 403, "AccessControlException"),
                ("GETFILESTATUS of a file in a directory bob may not enter", [base + "/user/alice/private/f?op=GETFILESTATUS&user.name=bob"], 403, "AccessControlException"),
                ("rename2 of a missing source", ["-X", "PUT", base + "/tmp/nope?op=RENAME&destination=/tmp/c&renameoptions=TO_TRASH&user.name=bob"], 404, "FileNotFoundException"),
                ("rename2 out of the store", ["-X", "PUT", base + "/tmp/b?op=RENAME&destination=/../etc/x&renameoptions=NONE&user.name=bob"], 400, "IllegalArgumentException"),
                ("GETFILECHECKSUM of a directory", [base + "/tmp?op=GETFILECHECKSUM&user.name=bob"], 404, "FileNotFoundException"),
                ("GETFILECHECKSUM of a file bob may not read", [base + "/user/alice/private/f?op=GETFILECHECKSUM&user.name=bob"], 403, "AccessControlException"),
                ("GETCONTENTSUMMARY of a missing path", [base + "/nope?op=GETCONTENTSUMMARY&user.name=bob"], 404, "FileNotFoundException"),
                ("GETCONTENTSUMMARY of a directory bob may not list", [base + "/user/alice/private?op=GETCONTENTSUMMARY&user.name=bob"], 403, "AccessControlException"),
                ("GETQUOTAUSAGE of a missing path", [base + "/nope?op=GETQUOTAUSAGE&user.name=bob"], 404, "FileNotFoundException"),
                ("an op the NameNode does not know", [base + "/tmp?op=GETSNAPSHOTDIFF&user.name=bob"], 400, "IllegalArgumentException"),
            ]
            for c in cases {
                let (status, exception) = try remote(c.args)
                #expect(status == c.status && exception == c.exception, "\(c.what): \(status) \(exception)")
            }
            let after = Self.snapshot(store)
            #expect(after == before, "changed: \(after.filter { before[$0.key] != $0.value }.keys.sorted()) gone: \(before.keys.filter { after[$0] == nil })")
        }
    }

    @Test("a service's hdfs:// files and artifact are localized from the cluster's HDFS; a missing one is refused")
    func hdfsLocalization() async throws {
        try await withTestCluster { cluster in
            let fs = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            try fs.create("/apps/probe/note.txt", data: Array("from-hdfs".utf8))
            let pkg = cluster.directory + "/pkg"
            try FileManager.default.createDirectory(atPath: pkg + "/bin", withIntermediateDirectories: true)
            try "echo tarball-from-hdfs".write(toFile: pkg + "/bin/hello.sh", atomically: true, encoding: .utf8)
            try run("/bin/tar", ["-cf", cluster.directory + "/pkg.tar", "-C", pkg, "."])
            try fs.create("/apps/probe/pkg.tar", data: Array(try Data(contentsOf: URL(fileURLWithPath: cluster.directory + "/pkg.tar"))))

            let comp = Component(
                name: "probe", launchCommand: "echo note=$(cat resources/note.txt); bash lib/bin/hello.sh; sleep 600",
                resource: ServiceResource(cpus: 1, memory: "64"), numberOfContainers: 2, restartPolicy: .ALWAYS,
                artifact: Artifact(id: "hdfs:///apps/probe/pkg.tar", type: "TARBALL"),
                configuration: ServiceConfiguration(files: [
                    ConfigFile(type: "STATIC", destFile: "note.txt", srcFile: "hdfs://namenode:8020/apps/probe/note.txt"),
                ]))
            try cluster.services.create(Service(name: "probe", version: "1", components: [comp]))
            #expect(await eventually { try cluster.services.get("probe").state == .STABLE })
            let cid = try #require(try cluster.services.get("probe").components?.first?.containers?.first?.id)
            let logs = NodeLogsClient(endpoint: try cluster.endpoint())
            var out = ""
            #expect(await eventually {
                out = String(decoding: try logs.read(container: cid, file: "stdout"), as: UTF8.self)
                return out.contains("tarball-from-hdfs")
            })
            #expect(out.contains("note=from-hdfs"), "\(out)")

            // The archive was unpacked once, into the cluster's file cache, for both containers.
            let svc = try cluster.services.get("probe")
            let ids = svc.components?.first?.containers?.compactMap(\.id) ?? []
            #expect(ids.count == 2)
            let targets = Set(ids.map {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: cluster.directory + "/containers/\(svc.id ?? "")/\($0)/lib")) ?? ""
            })
            #expect(targets.count == 1 && targets.first?.hasPrefix(cluster.directory + "/filecache/") == true, "\(targets)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/filecache").count == 1)

            var missing = comp
            missing.configuration = ServiceConfiguration(files: [ConfigFile(type: "STATIC", destFile: "x", srcFile: "hdfs:///apps/none.txt")])
            do {
                try cluster.services.create(Service(name: "missing", version: "1", components: [missing]))
                Issue.record("a service with a missing hdfs:// file was accepted")
            } catch let e as HadoopError {
                #expect(e.status == 400 && e.message.contains("does not exist in the cluster's HDFS"), "\(e)")
            }
        }
    }
}
