import Foundation
import Hadoop

// The ResourceManager's state machine: application ids, submissions,
// attempts of the application master, finishing and killing.
extension ClusterCore {
    // MARK: - Submission

    /// Ids given out and not yet submitted are kept up to this many; the
    /// oldest go first (a client that asks and never submits holds none for long).
    static let maxReservedIds = 1000

    /// Reserves a new application id for `user`: only they may submit it.
    mutating func newApplication(user: String) -> String {
        if state.reservedAppIds.count >= Self.maxReservedIds {
            let bySequence = state.reservedAppIds.sorted { (Int($0.split(separator: "_").last ?? "") ?? 0) < (Int($1.split(separator: "_").last ?? "") ?? 0) }
            for old in bySequence.prefix(state.reservedAppIds.count - Self.maxReservedIds + 1) {
                state.reservedAppIds.remove(old)
                state.appIdIssuers?[old] = nil
            }
        }
        let id = newAppId()
        state.reservedAppIds.insert(id)
        state.appIdIssuers = (state.appIdIssuers ?? [:]).merging([id: user]) { $1 }
        markDirty()
        return id
    }

    /// Whether `user` may submit an application with `id`: a well-formed id,
    /// not in use, given out by new-application, to this user.
    func checkSubmittable(_ id: String, user: String) throws {
        guard Self.validAppId(id) else {
            throw LocalClusterError(.badRequest, "Could not parse application id \(id)")
        }
        guard state.apps[id] == nil else {
            throw LocalClusterError(.conflict, "Application with id \(id) is already present! Cannot add a duplicate!")
        }
        // An id is taken once, by whom new-application gave it to.
        guard state.reservedAppIds.contains(id) else {
            throw LocalClusterError(.badRequest, "Application id \(id) was not given out by new-application (or was already used): ask for a new one")
        }
        if let issuer = state.appIdIssuers?[id], issuer != user {
            throw LocalClusterError(.forbidden, "Application id \(id) was given to \(issuer), not to \(user)")
        }
    }

    /// Accepts a submission the owner checked (its files resolved, its
    /// environment built) and asks for its first AM container.
    mutating func acceptApplication(_ s: ApplicationSubmission, user: String, launch: LaunchSpec,
                                    memoryMB: Int64, vcores: Int, maxAttempts: Int) throws {
        let id = s.applicationId
        try checkSubmittable(id, user: user)
        state.reservedAppIds.remove(id)
        state.appIdIssuers?[id] = nil
        let app = AppRecord(
            id: id, user: user, name: s.applicationName ?? "N/A", queue: s.queue ?? "default",
            type: s.applicationType ?? "YARN", tags: s.applicationTags?.tag ?? [], priority: s.priority ?? 0,
            state: .ACCEPTED, finalStatus: "UNDEFINED", diagnostics: "", startedTime: now,
            maxAttempts: maxAttempts, amLaunch: launch, amMemoryMB: memoryMB, amVcores: vcores)
        state.apps[id] = app
        state.appOrder.append(id)
        markDirty()
        startAttempt(id)
    }

    // MARK: - Attempts

    mutating func startAttempt(_ appId: String) {
        guard var app = state.apps[appId], let launch = app.amLaunch else { return }
        let attempt = app.attempts.count + 1
        let cid = requestContainer(appId: appId, attempt: attempt, memoryMB: app.amMemoryMB, vcores: app.amVcores,
                                   launch: launch, isAppMaster: true)
        app = state.apps[appId] ?? app
        app.attempts.append(AttemptRecord(id: attempt, containerId: cid, startTime: now, state: "ALLOCATED"))
        state.apps[appId] = app
        markDirty()
    }

    mutating func appMasterFinished(_ c: ContainerRecord) {
        guard var app = state.apps[c.appId], !app.state.isTerminal else { return }
        let code = c.exitStatus ?? 0
        if let i = app.attempts.lastIndex(where: { $0.containerId == c.id }) {
            app.attempts[i].finishTime = c.finishTime
            app.attempts[i].state = code == 0 ? "FINISHED" : "FAILED"
        }
        state.apps[c.appId] = app
        if code == 0 {
            finishApp(c.appId, state: .FINISHED, finalStatus: "SUCCEEDED", diagnostics: "")
        } else if app.attempts.count < app.maxAttempts && c.stopReason == nil {
            app.diagnostics = "AM Container for \(app.attempts.last.map { String($0.id) } ?? "?") exited with exitCode: \(code). Retrying."
            state.apps[c.appId] = app
            startAttempt(c.appId)
        } else {
            let diag = c.stopReason == ExitStatus.killedExceededPhysicalMemory ? c.diagnostics :
                "Application \(app.id) failed \(app.attempts.count) times due to AM Container for attempt \(app.attempts.count) exited with exitCode: \(code)\n\(c.diagnostics)"
            finishApp(c.appId, state: .FAILED, finalStatus: "FAILED", diagnostics: diag)
        }
    }

    mutating func finishApp(_ id: String, state newState: YarnApplicationState, finalStatus: String, diagnostics: String) {
        guard var app = state.apps[id], !app.state.isTerminal else { return }
        app.state = newState
        app.finalStatus = finalStatus
        if !diagnostics.isEmpty { app.diagnostics = diagnostics }
        app.finishedTime = now
        app.amLaunch = nil // no attempt will follow
        state.apps[id] = app
        markDirty()
        for c in state.containers.values where c.appId == id && c.phase != .complete {
            stopContainer(c.id, reason: ExitStatus.killedByResourceManager, diagnostics: "Container killed: the application finished")
        }
        aggregateLogsIfEnded(id)
    }

    // MARK: - Kill

    /// `PUT /apps/{id}/state`. Answers the state the application is in afterwards.
    mutating func setAppState(_ id: String, target: String, user: String) throws -> String {
        let app = try requireApp(id)
        guard target == "KILLED" else {
            if target == app.state.rawValue { return app.state.rawValue }
            throw LocalClusterError(.badRequest, "java.lang.Exception: Only 'KILLED' is allowed as a target state.")
        }
        if app.state.isTerminal { return app.state.rawValue }
        if let name = app.service, var svc = state.services[name], svc.appId == id {
            stopServiceContainers(&svc, reason: ExitStatus.killedByResourceManager)
            svc.state = .STOPPED
            state.services[name] = svc
        }
        finishApp(id, state: .KILLED, finalStatus: "KILLED",
                  diagnostics: "Application killed by user \(user).")
        return "KILLED"
    }
}
