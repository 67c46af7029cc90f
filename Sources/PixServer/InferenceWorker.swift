import Foundation
import Logging
import PixImage
import PixPipeline
import PixWire

/// The one thread that runs models: a dedicated OS thread (never an event loop, never Swift's
/// cooperative pool), taking work from the queue until it is closed.
final class InferenceWorker: Sendable {
    private let queue: JobQueue
    private let registry: ModelRegistry
    private let limits: ServerLimits
    private let idleUnloadSeconds: Double
    private let logger: Logger
    private let done = DispatchSemaphore(value: 0)

    init(queue: JobQueue, registry: ModelRegistry, limits: ServerLimits, idleUnloadSeconds: Double, logger: Logger) {
        self.queue = queue; self.registry = registry; self.limits = limits
        self.idleUnloadSeconds = idleUnloadSeconds; self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            self.loop()
            self.done.signal()
        }
        thread.name = "pixwizard-inference"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Blocks until the thread has left its loop (after the queue is closed).
    func join() { done.wait() }

    private func loop() {
        let tick = idleUnloadSeconds > 0 ? min(idleUnloadSeconds, 5) : 5
        while true {
            switch queue.take(timeout: tick) {
            case .closed:
                return
            case .idle:
                if idleUnloadSeconds > 0 {
                    for name in registry.unloadIdle(olderThan: idleUnloadSeconds) {
                        logger.info("unloaded idle model", metadata: ["model": "\(name)"])
                    }
                }
            case .item(.control(let run, _)):
                run()
            case .item(.generate(let job)):
                run(job)
            }
        }
    }

    private func run(_ job: GenerateJob) {
        let started = ContinuousClock.now
        let queueSeconds = (started - job.arrival).seconds
        if let why = job.stopReason { return job.sink.finish(why.status) }
        if job.isPastDeadline {
            job.stop(.deadline)
            return job.sink.finish(StopReason.deadline.status)
        }
        var timings: [WireStageTiming] = []
        let model: any EditModel
        var loaded = false
        do {
            let (m, loadSeconds) = try registry.model(named: job.modelName)
            model = m
            if let loadSeconds {
                loaded = true
                timings.append(WireStageTiming(stage: .load, seconds: loadSeconds))
                job.sink.send(.progress(stage: .load, step: 1, total: 1), droppable: true)
            }
        } catch {
            logger.error("model failed to load", metadata: ["model": "\(job.modelName)", "error": "\(error)"])
            return job.sink.finish(WireStatus(error: error))
        }
        if let why = job.stopReason { return job.sink.finish(why.status) }

        let sink = job.sink
        let deadline = job.deadline
        do {
            let image = try model.edit(job.request, cancel: job.flag) { event in
                if let deadline, ContinuousClock.now >= deadline { job.stop(.deadline) }
                switch event {
                case .stages(let list):
                    var stages = list.map(WireStage.init)
                    if loaded && !list.contains(.load) { stages.insert(.load, at: 0) }
                    sink.send(.stages(stages))
                case .stageStarted:
                    break
                case .progress(let stage, let step, let total):
                    sink.send(.progress(stage: WireStage(stage), step: UInt32(clamping: step), total: UInt32(clamping: total)),
                              droppable: true)
                case .preview(let step, let total, let t, let img):
                    Self.sendPreview(sink, step: step, total: total, t: t,
                                     image: img.downscaled(toFit: job.request.previewMaxSize))
                case .stageFinished(let stage, let seconds):
                    timings.append(WireStageTiming(stage: WireStage(stage), seconds: seconds))
                }
            }
            if let why = job.stopReason { return sink.finish(why.status) }
            let png: [UInt8]
            do { png = try PNGCodec.encode(image) } catch {
                return sink.finish(WireStatus(.internalError, "the result could not be encoded: \(error)"))
            }
            registry.markUsed(job.modelName)
            sink.send(.result(png: png, width: UInt32(image.width), height: UInt32(image.height)))
            let total = (ContinuousClock.now - started).seconds
            sink.send(.summary(WireSummary(timings: timings, totalSeconds: total, queueSeconds: queueSeconds,
                                           seed: job.request.seed,
                                           steps: UInt32(clamping: job.request.steps > 0 ? job.request.steps : model.info.defaultSteps))))
            sink.finish(.ok)
            logger.debug("job done", metadata: ["job": "\(job.jobId)", "seconds": "\(total)"])
        } catch {
            registry.markUsed(job.modelName)
            if let why = job.stopReason { return sink.finish(why.status) }
            sink.finish(WireStatus(error: error))
        }
    }

    /// Compresses the preview's RGB8 pixels with zstd and sends them (dropped if the peer is behind).
    static func sendPreview(_ sink: CallSink, step: Int, total: Int, t: Float, image: RGBImage) {
        guard let data = try? Zstd.compress(image.pixels) else { return }
        sink.send(.preview(WirePreview(step: UInt32(clamping: step), total: UInt32(clamping: total), t: t,
                                       width: UInt32(image.width), height: UInt32(image.height), data: data)),
                  droppable: true)
    }
}

extension WireStage {
    init(_ s: Stage) {
        switch s {
        case .load: self = .load
        case .preprocess: self = .preprocess
        case .encodeText: self = .encodeText
        case .encodeImage: self = .encodeImage
        case .denoise: self = .denoise
        case .decode: self = .decode
        }
    }
}
