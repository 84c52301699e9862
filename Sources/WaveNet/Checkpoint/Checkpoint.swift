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

    /// The `config` metadata: MODEL_SPEC's JSON of the architecture.
    public var configJSON: String { String(decoding: try! Self.configEncoder.encode(config), as: UTF8.self) }

    public func serialized() -> Safetensors {
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

    /// Writes atomically: temporary file, fsync, rename. Refuses, before writing anything, weights
    /// or optimizer moments that are NaN or infinite (and negative second moments), so that a
    /// diverged run leaves the previous checkpoint at `path` as it was.
    public func save(to path: String) throws {
        try checkSavable(path: path)
        try serialized().write(to: path)
    }

    /// Throws unless every weight and moment is finite and every second moment is 0 or more.
    public func checkSavable(path: String) throws {
        func check(_ prefix: String, _ buffer: FloatBuffer, allowsNegative: Bool) throws {
            let values = UnsafeBufferPointer(start: buffer.base, count: buffer.count)
            guard let bad = values.firstIndex(where: { !$0.isFinite || (!allowsNegative && $0 < 0) }) else { return }
            // Only on failure: name the tensor and the element in checkpoint (PyTorch) order.
            let kind = values[bad].isFinite ? "a negative value" : "a non-finite value (\(values[bad]))"
            var location = "\(prefix)weights hold \(kind) at flat index \(bad)"
            for tensor in parameters.layout.tensors {
                if let element = tensor.flatIndices.firstIndex(of: bad) {
                    location = "\(prefix)\(tensor.name) holds \(kind) at element \(element)"
                    break
                }
            }
            throw FileError(path, "cannot save: \(location); the file was left as it was")
        }
        try check("", parameters.values, allowsNegative: true)
        if let optimizer {
            try check("optimizer.m.", optimizer.m, allowsNegative: true)
            try check("optimizer.v.", optimizer.v, allowsNegative: false)
        }
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

    /// The largest `step` a checkpoint may store.
    public static let maxStep = 1_000_000_000_000

    /// Checks a parsed file against MODEL_SPEC.md: the config within `ModelConfig.validate`'s
    /// bounds, `step` in 0...`maxStep`, and every tensor the layout expects present with its
    /// shape, all before the weights are allocated; then finite weights and moments, and second
    /// moments of 0 or more.
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
        guard step <= maxStep else { throw fail("__metadata__ step \(step) is outside 0...\(maxStep)") }
        let trainingJSON = file.metadata["train"] ?? "{}"

        // Names and shapes first: nothing is allocated for a file that does not hold this model.
        let layout = ParameterLayout(config)
        let shapes = layout.tensorShapes
        let hasOptimizer = file.names.contains { $0.hasPrefix("optimizer.") }
        let prefixes = hasOptimizer ? ["", "optimizer.m.", "optimizer.v."] : [""]
        for prefix in prefixes where prefix.isEmpty || withOptimizer {
            for (name, shape) in shapes {
                guard let stored = file.tensors[prefix + name] else { throw fail("missing tensor \(prefix + name)") }
                guard stored.shape == shape else {
                    throw fail("tensor \(prefix + name) has shape \(stored.shape), expected \(shape)")
                }
            }
        }
        let known = Set(prefixes.flatMap { prefix in shapes.map { prefix + $0.name } })
        if let stray = file.names.first(where: { !known.contains($0) }) {
            throw fail("unexpected tensor \(stray)")
        }

        let parameters = try Parameters(config: config)
        let tensors = parameters.layout.tensors
        func fill(_ prefix: String, _ buffer: FloatBuffer) throws {
            for tensor in tensors {
                let name = prefix + tensor.name
                let values = file.tensors[name]!.values
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw fail("tensor \(name) holds a non-finite value at element \(bad)")
                }
                // A negative second moment makes Adam's sqrt(v) NaN, and with it every weight.
                if prefix == "optimizer.v.", let bad = values.firstIndex(where: { $0 < 0 }) {
                    throw fail("tensor \(name) holds a negative value at element \(bad)")
                }
                for (value, index) in zip(values, tensor.flatIndices) {
                    checkBounds(index >= 0 && index < buffer.count, "\(name): index \(index) outside 0..<\(buffer.count)")
                    buffer.base[index] = value
                }
            }
        }
        try fill("", parameters.values)
        var optimizer: AdamState?
        if withOptimizer && hasOptimizer {
            let state = AdamState(count: parameters.layout.count)
            try fill("optimizer.m.", state.m)
            try fill("optimizer.v.", state.v)
            optimizer = state
        }
        return Checkpoint(parameters: parameters, step: step, trainingJSON: trainingJSON, optimizer: optimizer)
    }
}
