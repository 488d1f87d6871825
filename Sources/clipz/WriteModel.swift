import ClipzCore
import ClipzFormat
import Foundation

/// Writes a model with progress on stderr and a one-line summary; returns the file's size in bytes.
@discardableResult
func writeModel(_ model: ModelSource, to output: String, force: Bool, quiet: Bool, quant: [String: QuantParams] = [:]) throws -> Int {
    let progress = Progress("writing", quiet: quiet)
    let written = try ClipzWriter.write(model, to: output, force: force, quant: quant) { i, n, name in progress.update(i, n, name) }
    let raw = written.entries.reduce(0) { $0 + $1.rawBytes }
    if !quiet { Output.info("wrote \(output): \(written.entries.count) tensors, \(formatBytes(written.fileBytes)) (tensor data \(formatBytes(raw)) before compression)") }
    return written.fileBytes
}
