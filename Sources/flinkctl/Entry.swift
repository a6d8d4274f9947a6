import ArgumentParser
import FlinkctlCLI

#if canImport(Glibc)
import Glibc
#endif

@main
struct Entry {
    static func main() async {
        do {
            var command = try Flinkctl.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit 2 (as documented), not ArgumentParser's EX_USAGE (64).
            if Flinkctl.exitCode(for: error) == .validationFailure {
                let message = Array((Flinkctl.fullMessage(for: error) + "\n").utf8)
                _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                exit(2)
            }
            Flinkctl.exit(withError: error)
        }
    }
}
