import DeploymentModel
import Flink
import Foundation

/// Puts what the deployment ships (`--ship`, `--ship-archive`) into the
/// container's working directory under its name, and returns the jars among
/// it for the class path. With HDFS staging YARN localized each item into
/// `resources/` (an archive unpacked there): the name is a link to it. With
/// local staging the name is a link to the staged file, or the staged archive
/// unpacked in place (into a temporary beside, then renamed, so a container
/// started again in the same directory finds all of it or none).
func layOutShipped(_ deployment: Deployment, workDir: String) throws -> [String] {
    let fm = FileManager.default
    for item in deployment.shipped ?? [] {
        let place = (workDir as NSString).appendingPathComponent(item.name)
        var st = stat()
        let exists = lstat(place, &st) == 0
        if exists && (st.st_mode & S_IFMT) == S_IFLNK { unlink(place) }
        if deployment.staging.isRemote {
            let target = (workDir as NSString).appendingPathComponent(
                Deployment.localizedDirectory + "/" + (item.format == nil ? item.file : item.unpackedName))
            guard fm.fileExists(atPath: target) else {
                throw FlinkError(.job, "the shipped \(item.name) is not where YARN localizes it (\(target))")
            }
            guard symlink(target, place) == 0 else {
                throw FlinkError(.job, "cannot put the shipped \(item.name) in \(workDir): \(String(cString: strerror(errno)))")
            }
            continue
        }
        let staged = (deployment.stagingDirectory as NSString).appendingPathComponent(item.file)
        guard let format = item.format else {
            guard symlink(staged, place) == 0 else {
                throw FlinkError(.job, "cannot put the shipped \(item.name) in \(workDir): \(String(cString: strerror(errno)))")
            }
            continue
        }
        if exists && (st.st_mode & S_IFMT) == S_IFDIR { continue } // unpacked by this container before
        let temporary = place + ".unpacking"
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        let (tool, arguments): (String, [String]) = format == "zip"
            ? ("/usr/bin/unzip", ["-q", "-o", staged, "-d", temporary])
            : ("/bin/tar", ["-x" + (format == "tar.gz" ? "z" : "") + "f", staged, "-C", temporary])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0, rename(temporary, place) == 0 else {
            try? fm.removeItem(atPath: temporary)
            throw FlinkError(.job, "cannot unpack the shipped \(item.name) (\(staged)) into \(workDir)")
        }
    }
    return (deployment.shippedJars ?? []).map { (workDir as NSString).appendingPathComponent($0) }
}
