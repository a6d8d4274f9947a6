// The program that runs inside a Flink deployment's YARN containers:
// `appmaster` in the jobmanager container, `taskmanager` in each taskmanager
// container. It is separate from the flinkctl command line so that what stays
// resident beside the JobManager JVM is only what the appmaster needs (no
// argument parser, HTTP server or certificate code); submit stages it in
// place of flinkctl when it sits next to it.
import AppMaster
import Flink

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[2] == "--staging", ["appmaster", "taskmanager"].contains(arguments[1]) else {
    fail("usage: flinkctl-container (appmaster | taskmanager) --staging DIR", status: 2)
}
let staging = arguments[3]
do {
    if arguments[1] == "appmaster" {
        exit(try AppMaster(staging: staging).run())
    }
    try TaskManagerLauncher(staging: staging).run()
} catch let error as FlinkError {
    fail("flinkctl: \(error.message)", status: 1)
} catch {
    fail("flinkctl: \(error)", status: 1)
}
