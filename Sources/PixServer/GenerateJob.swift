import PixPipeline
import PixWire
import Synchronization

/// One accepted Generate call: the engine request, where its events go, and how it may be stopped.
final class GenerateJob: Sendable {
    let jobId: UInt64
    let sink: CallSink
    let modelName: String
    let request: EditRequest
    let arrival: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant?
    let flag = CancellationFlag()
    private let reason = Atomic<Int>(0)
    /// Last queue position sent (guarded by the queue's lock).
    nonisolated(unsafe) var lastPosition: Int = -1

    init(jobId: UInt64, sink: CallSink, modelName: String, request: EditRequest,
         arrival: ContinuousClock.Instant, deadline: ContinuousClock.Instant?) {
        self.jobId = jobId; self.sink = sink; self.modelName = modelName; self.request = request
        self.arrival = arrival; self.deadline = deadline
    }

    /// Asks the job to stop; the first reason is kept. Returns false when it was already stopping.
    @discardableResult
    func stop(_ why: StopReason) -> Bool {
        let won = reason.compareExchange(expected: 0, desired: why.rawValue, ordering: .relaxed).exchanged
        flag.cancel()
        return won
    }

    var stopReason: StopReason? { StopReason(rawValue: reason.load(ordering: .relaxed)) }

    var isPastDeadline: Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }
}
