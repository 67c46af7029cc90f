import Foundation
import PixPipeline
import PixWire
import Synchronization

/// Turns a model directory into a loaded model (production: `ModelLoader.load(directory:)`).
public typealias ModelLoadFunction = @Sendable (URL) throws(EngineError) -> any EditModel

/// The models directory (one subdirectory with a config.json per model) and the models loaded from it.
/// Lookups are thread-safe; loading runs on the inference worker's thread only.
final class ModelRegistry: Sendable {
    private struct State {
        var loaded: [String: any EditModel] = [:]
        var infoCache: [String: ModelInfo] = [:]
        var lastUsed: [String: ContinuousClock.Instant] = [:]
    }

    let directory: URL
    private let configuredDefault: String?
    private let loader: ModelLoadFunction
    private let state = Mutex(State())

    init(directory: String, defaultModel: String?, loader: @escaping ModelLoadFunction) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.configuredDefault = defaultModel
        self.loader = loader
    }

    /// Model names on disk (subdirectories holding config.json), sorted.
    func available() -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.filter { !$0.hasPrefix(".") && fm.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("config.json").path) }
            .sorted()
    }

    /// The model used when a request names none.
    var defaultName: String? {
        let names = available()
        if let d = configuredDefault { return names.contains(d) ? d : nil }
        if names.contains(ServerConfiguration.defaultModelName) { return ServerConfiguration.defaultModelName }
        return names.first
    }

    /// Resolves a requested name ("" = default); NOT_FOUND names what exists.
    func resolve(_ requested: String) throws(EngineError) -> String {
        let names = available()
        if requested.isEmpty {
            guard let d = defaultName else {
                throw .notFound("no models in \(directory.path) (each model is a subdirectory with config.json); use --models")
            }
            return d
        }
        guard !requested.contains("/"), requested != "..", names.contains(requested) else {
            throw .notFound("unknown model '\(requested)'; available: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        return requested
    }

    /// What a model reports, from the loaded model or else from its config.json alone (no weights read);
    /// nil when the config does not parse (loading will then say why).
    func info(_ name: String) -> ModelInfo? {
        if let i = state.withLock({ $0.infoCache[name] }) { return i }
        guard let i = try? ModelLoader.info(directory: directory.appendingPathComponent(name, isDirectory: true).path) else {
            return nil
        }
        state.withLock { s in if s.infoCache[name] == nil { s.infoCache[name] = i } }
        return i
    }

    /// The loaded model, loading it first when needed (worker thread). `loadSeconds` is nil when it was loaded.
    func model(named name: String) throws(EngineError) -> (model: any EditModel, loadSeconds: Double?) {
        let existing: (any EditModel)? = state.withLock { s in
            if let m = s.loaded[name] { s.lastUsed[name] = .now; return m }
            return nil
        }
        if let existing { return (existing, nil) }
        let start = ContinuousClock.now
        let m = try loader(directory.appendingPathComponent(name, isDirectory: true))
        let seconds = (ContinuousClock.now - start).seconds
        state.withLock { s in
            s.loaded[name] = m
            s.infoCache[name] = m.info
            s.lastUsed[name] = .now
        }
        return (m, seconds)
    }

    @discardableResult
    func unload(_ name: String) -> Bool {
        state.withLock { s in
            s.lastUsed[name] = nil
            return s.loaded.removeValue(forKey: name) != nil
        }
    }

    /// Unloads every model unused for `seconds`; returns their names.
    func unloadIdle(olderThan seconds: Double) -> [String] {
        let now = ContinuousClock.now
        return state.withLock { s in
            let idle = s.lastUsed.filter { (now - $0.value).seconds >= seconds }.map(\.key)
            for n in idle { s.loaded[n] = nil; s.lastUsed[n] = nil }
            return idle.sorted()
        }
    }

    func markUsed(_ name: String) { state.withLock { $0.lastUsed[name] = .now } }

    /// Everything known about every model on disk, for ListModels / ServerInfo.
    func wireModels() -> [WireModelInfo] {
        let def = defaultName
        return available().map { name in
            let loaded = state.withLock { $0.loaded[name] != nil }
            return Self.wire(name: name, info: info(name), loaded: loaded, isDefault: name == def)
        }
    }

    static func wire(name: String, info: ModelInfo?, loaded: Bool, isDefault: Bool) -> WireModelInfo {
        guard let info else { return WireModelInfo(name: name, loaded: loaded, isDefault: isDefault) }
        return WireModelInfo(
            name: name, family: info.family, description: info.description, loaded: loaded, isDefault: isDefault,
            defaultSteps: UInt32(clamping: info.defaultSteps), defaultTextGuidance: info.defaultTextGuidance,
            defaultImageGuidance: info.defaultImageGuidance, defaultResolution: UInt32(clamping: info.defaultResolution),
            sizeMultiple: UInt32(clamping: info.sizeMultiple),
            tasks: info.tasks.map { WireTask(name: $0.name, example: $0.example) })
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
