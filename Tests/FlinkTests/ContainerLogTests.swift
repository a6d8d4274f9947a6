import Flink
import Foundation
import Testing
import TestSupport

/// The containers' log4j2 configuration, run by the log4j of Flink's own lib/:
/// a log that grows rolls over and older files are dropped, so a job that
/// runs for months cannot fill its node's disk.
@Suite("Container logs: size-capped rolling files")
struct ContainerLogTests {
    @Test func theLogRollsOverAtItsSizeAndKeepsAFewFiles() async throws {
        try await withTemporaryDirectory { dir in
            let dist = try FlinkDistribution.locate(explicit: nil)
            try FlinkProcessCommand.log4jProperties.write(toFile: dir + "/log4j.properties", atomically: true, encoding: .utf8)
            try """
            public class Flood {
                public static void main(String[] args) {
                    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Flood.class);
                    String line = "x".repeat(1000);
                    for (int i = 0; i < 2000; i++) log.info("{} {}", i, line);
                }
            }
            """.write(toFile: dir + "/Flood.java", atomically: true, encoding: .utf8)
            let log = dir + "/taskmanager.log"
            let r = try run(try locateJava(), ["-cp", dist.libDirectory + "/*", "-Dlog.file=" + log,
                                               "-Dlog4j.configurationFile=file:" + dir + "/log4j.properties",
                                               "-Dflinkctl.log.max-size=200KB", "-Dflinkctl.log.max-files=3",
                                               dir + "/Flood.java"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("taskmanager.log") }.sorted()
            // About 2 MB were logged; what is kept is the live file and three earlier ones.
            #expect(files == ["taskmanager.log", "taskmanager.log.1", "taskmanager.log.2", "taskmanager.log.3"], "\(files)")
            var total = 0
            for f in files {
                let size = (try FileManager.default.attributesOfItem(atPath: dir + "/" + f)[.size] as? Int) ?? 0
                #expect(size <= 200 * 1024 + 1100, "\(f): \(size) bytes")
                total += size
            }
            #expect(total > 400 * 1024, "too little was kept: \(total) bytes")
            // The newest lines are in the live file, the ones before them in .1.
            let live = try String(contentsOfFile: log, encoding: .utf8)
            #expect(live.contains(" 1999 "), "the last line is not in the live file")
            let previous = try String(contentsOfFile: log + ".1", encoding: .utf8)
            let firstLive = live.split(separator: "\n").first.flatMap { $0.split(separator: " ").dropFirst(7).first }
            let lastPrevious = previous.split(separator: "\n").last.flatMap { $0.split(separator: " ").dropFirst(7).first }
            #expect(Int(lastPrevious ?? "") .map { $0 + 1 } == Int(firstLive ?? ""), "\(String(describing: lastPrevious)) then \(String(describing: firstLive))")
        }
    }

    /// conf/log4j.properties is what the containers use.
    @Test func theConfDirectoryHoldsTheContainersConfiguration() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        #expect(try String(contentsOfFile: repo + "/conf/log4j.properties", encoding: .utf8) == FlinkProcessCommand.log4jProperties)
    }
}
