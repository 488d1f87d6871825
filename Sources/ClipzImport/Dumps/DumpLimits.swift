/// Caps shared by every dump reader.
enum DumpLimits {
    static let maxRank = SourceTensor.maxRank
    static let maxTensors = 100_000
    static let maxNameBytes = 1024
}
