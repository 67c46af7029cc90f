import Foundation
import PixWire

/// Work for the inference thread: Generate jobs in arrival order, model loads ahead of them.
enum WorkItem: Sendable {
    case generate(GenerateJob)
    /// `run` on the worker; `abort` instead when the daemon shuts down first.
    case control(run: @Sendable () -> Void, abort: @Sendable () -> Void)
}

/// The bounded job queue between connections (any thread) and the one inference thread.
/// Position = how many jobs are ahead (the running one included); 0 = running now.
final class JobQueue: @unchecked Sendable {
    private let cond = NSCondition()
    // All state below is guarded by `cond`.
    private var waiting: [WorkItem] = []
    private var running: GenerateJob?
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    enum Take { case item(WorkItem), idle, closed }

    /// Adds a Generate job; RESOURCE_EXHAUSTED when `capacity` jobs already wait.
    func submit(_ job: GenerateJob) throws(WireStatus) {
        cond.lock()
        if closed { cond.unlock(); throw WireStatus(.unavailable, "the daemon is shutting down") }
        let queued = waiting.reduce(0) { if case .generate = $1 { $0 + 1 } else { $0 } }
        if queued >= capacity {
            cond.unlock()
            throw WireStatus(.resourceExhausted, "the queue is full (\(capacity) jobs waiting); retry later")
        }
        waiting.append(.generate(job))
        let updates = positionUpdates()
        cond.signal()
        cond.unlock()
        send(updates)
    }

    /// Adds work that runs before any waiting Generate job.
    func submitControl(run: @escaping @Sendable () -> Void, abort: @escaping @Sendable () -> Void) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        if closed { return false }
        let firstJob = waiting.firstIndex { if case .generate = $0 { true } else { false } } ?? waiting.count
        waiting.insert(.control(run: run, abort: abort), at: firstJob)
        cond.signal()
        return true
    }

    /// Blocks until there is work, `timeout` passes (.idle), or the queue is closed and empty.
    func take(timeout: Double) -> Take {
        cond.lock()
        running = nil
        let until = Date(timeIntervalSinceNow: timeout)
        while waiting.isEmpty && !closed {
            if !cond.wait(until: until) { cond.unlock(); return .idle }
        }
        if waiting.isEmpty { cond.unlock(); return .closed }
        let item = waiting.removeFirst()
        var updates = positionUpdates()
        if case .generate(let j) = item {
            running = j
            if j.lastPosition != 0 { j.lastPosition = 0; updates.append((j, 0)) }
        }
        cond.unlock()
        send(updates)
        return .item(item)
    }

    /// Stops a job: a waiting one leaves the queue and is answered now; a running one is flagged
    /// (the worker answers). False when the job is neither (already finished).
    @discardableResult
    func cancel(_ job: GenerateJob, _ reason: StopReason) -> Bool {
        cond.lock()
        if running === job {
            cond.unlock()
            job.stop(reason)
            return true
        }
        guard let i = waiting.firstIndex(where: { if case .generate(let j) = $0 { j === job } else { false } }) else {
            cond.unlock()
            return false
        }
        waiting.remove(at: i)
        let updates = positionUpdates()
        cond.unlock()
        job.stop(reason)
        job.sink.finish(reason.status)
        send(updates)
        return true
    }

    /// Refuses new work and hands back what was waiting; the running job is flagged to stop.
    func close(_ reason: StopReason) -> [WorkItem] {
        cond.lock()
        closed = true
        let left = waiting
        waiting.removeAll()
        let r = running
        cond.broadcast()
        cond.unlock()
        r?.stop(reason)
        return left
    }

    var depth: (waiting: Int, running: Bool) {
        cond.lock(); defer { cond.unlock() }
        return (waiting.count, running != nil)
    }

    // Under the lock: the jobs whose position changed.
    private func positionUpdates() -> [(GenerateJob, Int)] {
        var out: [(GenerateJob, Int)] = []
        var ahead = running == nil ? 0 : 1
        for item in waiting {
            guard case .generate(let j) = item else { continue }
            if j.lastPosition != ahead { j.lastPosition = ahead; out.append((j, ahead)) }
            ahead += 1
        }
        return out
    }

    private func send(_ updates: [(GenerateJob, Int)]) {
        for (j, p) in updates { j.sink.send(.queuePosition(UInt32(p)), droppable: true) }
    }
}
