import ClipzCore

/// The JSON header.
struct FileHeader: Codable {
    var format: String
    var metadata: ModelMetadata
    var tensors: [TensorEntry]
}
