import Foundation

/// Opens a model directory (one holding config.json) as an `EditModel`, dispatching on its "family".
public enum ModelLoader {
    struct Header: Decodable { var family: String }

    /// The family named in DIR/config.json.
    public static func family(directory: String) throws(EngineError) -> String {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .notFound("no model at \(directory): config.json is missing")
        }
        do {
            return try JSONDecoder().decode(Header.self, from: Data(contentsOf: url)).family
        } catch {
            throw .modelFormat("\(url.path): cannot read \"family\": \(error)")
        }
    }

    /// The pipelines, by config.json "family".
    enum Pipeline { case mini, official }

    static func pipeline(directory: String) throws(EngineError) -> Pipeline {
        let fam = try family(directory: directory)
        switch fam {
        case "pixwizard-mini", "test-random": return .mini
        case OfficialModelConfig.family: return .official
        default:
            throw .modelFormat("\(directory): unknown model family \"\(fam)\" (known: pixwizard-mini, pixwizard-official, test-random)")
        }
    }

    /// What a model directory holds, from its config.json only (no weights are read): the daemon lists
    /// models and sizes requests with it before the first load.
    public static func info(directory: String) throws(EngineError) -> ModelInfo {
        switch try pipeline(directory: directory) {
        case .mini: MiniPipeline.info(try MiniPipeline.config(directory: directory))
        case .official: OfficialPipeline.info(try OfficialModelConfig.load(directory: directory))
        }
    }

    public static func load(directory: String) throws(EngineError) -> any EditModel {
        switch try pipeline(directory: directory) {
        case .mini: try MiniPipeline(directory: directory)
        case .official: try OfficialPipeline(directory: directory)
        }
    }
}
