import ArgumentParser
import Dispatch
import FlinkctlCLI

#if canImport(Glibc)
import Glibc
#endif

/// Runs the parsed command. Commands are synchronous and run on the main
/// thread, so a short command never starts Swift concurrency's thread pool;
/// the one asynchronous command (`local start`, which runs the cluster) runs
/// in a task while the main thread waits for it.
@main
struct Entry {
    static func main() {
        do {
            var command = try Flinkctl.parseAsRoot()
            if let asyncCommand = command as? AsyncParsableCommand {
                try runToCompletion(asyncCommand)
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

    static func runToCompletion(_ command: AsyncParsableCommand) throws {
        final class Outcome: @unchecked Sendable {
            // @unchecked: written by the task before it signals, read after the wait.
            var error: Error?
        }
        nonisolated(unsafe) var command = command
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await command.run() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }
}
