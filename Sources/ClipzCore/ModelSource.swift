/// A tensor that can be loaded on demand, so that writers stream a model one tensor at a time
/// (peak memory bounded by the largest tensor, not the model).
public struct TensorSource: Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var load: @Sendable () throws -> Tensor
    public init(name: String, dtype: DType, shape: [Int], load: @escaping @Sendable () throws -> Tensor) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.load = load
    }
    /// A source over a tensor already in memory.
    public init(_ tensor: Tensor) {
        self.init(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, load: { tensor })
    }
}

/// A model in canonical form: metadata plus canonical tensors (Formats/tensors.md), not yet loaded.
/// Every importer produces one; the `.clipz` writer and the quantizer consume it.
public struct ModelSource: Sendable {
    public var metadata: ModelMetadata
    public var tensors: [TensorSource]
    /// Paths the model was read from; writers refuse to write over any of them.
    public var inputPaths: [String]
    public init(metadata: ModelMetadata, tensors: [TensorSource], inputPaths: [String] = []) {
        self.metadata = metadata; self.tensors = tensors; self.inputPaths = inputPaths
    }

    /// Checks that every canonical tensor the config implies is present with the right shape, and
    /// that every other tensor is one the config accounts for (`CanonicalName.checkAccounted`).
    public func validateCanonical() throws {
        try CanonicalName.checkAccounted(tensors.map { ($0.name, $0.shape) }, config: metadata.config, requireAll: true)
    }
}
