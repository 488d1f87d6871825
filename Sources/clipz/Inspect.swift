import ArgumentParser
import ClipzCore
import ClipzFormat
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a .clipz file's header: config, preprocessing, tokenizer, provenance and tensor table.",
        discussion: "Reads only the header; no tensor is decompressed unless --verify is given.")

    @OptionGroup var model: HeaderFile
    @Flag(help: "Print one JSON object instead of tables.") var json = false
    @Flag(help: "Also decompress every tensor and check its checksum.") var verify = false

    func run() throws {
        let f = try ClipzFile(path: model.file)
        if verify { for name in f.tensorNames { _ = try f.tensor(name) } }
        if json { try Output.json(InspectReport.json(f, verified: verify)); return }
        print(InspectReport.text(f, verified: verify))
    }
}
