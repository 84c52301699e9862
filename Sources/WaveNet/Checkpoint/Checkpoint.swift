import FileIO
import Foundation

/// A model as stored on disk (MODEL_SPEC.md): weights in PyTorch layout, `__metadata__`
/// with `format`, `config`, `step`, `train`, and optionally the Adam moments under `optimizer.`.
public struct Checkpoint {
    public static let format = "wavenet/1"

    public var parameters: Parameters
    public var step: Int
    /// The training settings as a JSON object string (empty object if never trained).
    public var trainingJSON: String
    public var optimizer: AdamState?

    public init(parameters: Parameters, step: Int = 0, trainingJSON: String = "{}", optimizer: AdamState? = nil) {
        self.parameters = parameters
        self.step = step
        self.trainingJSON = trainingJSON
        self.optimizer = optimizer
    }

    public var config: ModelConfig { parameters.config }

    // MARK: - Writing

    public func serialized() -> Safetensors {
        let configJSON = String(decoding: try! Self.configEncoder.encode(config), as: UTF8.self)
        var file = Safetensors(metadata: ["format": Self.format, "config": configJSON, "step": String(step), "train": trainingJSON])
        let tensors = parameters.layout.tensors
        func add(_ prefix: String, _ buffer: FloatBuffer) {
            for tensor in tensors {
                file.append(prefix + tensor.name, shape: tensor.shape, values: tensor.flatIndices.map { buffer.base[$0] })
            }
        }
        add("", parameters.values)
        if let optimizer {
            add("optimizer.m.", optimizer.m)
            add("optimizer.v.", optimizer.v)
        }
        return file
    }

    /// Writes atomically: temporary file, fsync, rename.
    public func save(to path: String) throws {
        try serialized().write(to: path)
    }

    static let configEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: - Reading

    /// Loads and checks a checkpoint; refuses anything that does not follow MODEL_SPEC.md.
    public static func load(_ path: String, withOptimizer: Bool = true) throws -> Checkpoint {
        try load(Safetensors(contentsOf: path), path: path, withOptimizer: withOptimizer)
    }

    public static func load(_ file: Safetensors, path: String, withOptimizer: Bool = true) throws -> Checkpoint {
        func fail(_ problem: String) -> FileError { FileError(path, "not a wavenet checkpoint: \(problem)") }
        guard let format = file.metadata["format"] else { throw fail("__metadata__ has no format") }
        guard format == Self.format else { throw fail("unknown format \"\(format)\", expected \"\(Self.format)\"") }
        guard let configJSON = file.metadata["config"] else { throw fail("__metadata__ has no config") }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(configJSON.utf8))
            try config.validate()
        } catch let error as ModelError {
            throw fail("\(error)")
        } catch {
            throw fail("config is not valid JSON for a model configuration")
        }
        guard let stepText = file.metadata["step"], let step = Int(stepText), step >= 0 else {
            throw fail("__metadata__ step is missing or not a whole number")
        }
        let trainingJSON = file.metadata["train"] ?? "{}"
        let parameters = try Parameters(config: config)
        let tensors = parameters.layout.tensors
        func fill(_ prefix: String, _ buffer: FloatBuffer) throws {
            for tensor in tensors {
                let name = prefix + tensor.name
                guard let stored = file.tensors[name] else { throw fail("missing tensor \(name)") }
                guard stored.shape == tensor.shape else {
                    throw fail("tensor \(name) has shape \(stored.shape), expected \(tensor.shape)")
                }
                if let bad = stored.values.firstIndex(where: { !$0.isFinite }) {
                    throw fail("tensor \(name) holds a non-finite value at element \(bad)")
                }
                for (value, index) in zip(stored.values, tensor.flatIndices) { buffer.base[index] = value }
            }
        }
        try fill("", parameters.values)
        let known = Set(tensors.map(\.name))
        if let stray = file.names.first(where: { !known.contains($0) && !$0.hasPrefix("optimizer.") }) {
            throw fail("unexpected tensor \(stray)")
        }
        var optimizer: AdamState?
        if withOptimizer && file.names.contains(where: { $0.hasPrefix("optimizer.") }) {
            let state = AdamState(count: parameters.layout.count)
            try fill("optimizer.m.", state.m)
            try fill("optimizer.v.", state.v)
            optimizer = state
        }
        return Checkpoint(parameters: parameters, step: step, trainingJSON: trainingJSON, optimizer: optimizer)
    }
}
