import ArgumentParser
import ClipzCore
import ClipzFormat
import ClipzInputs
import ClipzRuntime
import Foundation

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute image or text embeddings.",
        discussion: """
            Exactly one input kind. Output rows follow input order. --pixels takes float32 [N,3,S,S]; --tokens takes \
            int32/int64 [N,L]. --text-file (one text per line, every line one row, '-' for standard input), \
            --images (the folder's .png/.jpg files by name) and --image-list (one path per line) are read and run \
            --batch inputs at a time, and -o is written as the rows come, so memory stays flat however many inputs \
            there are; the .npy appears under its name only once complete.
            """)
    @Argument(help: "The .clipz file.") var file: String
    @Option(parsing: .upToNextOption, help: "Image files.") var image: [String] = []
    @Option(parsing: .upToNextOption, help: "Texts.") var text: [String] = []
    @Option(help: "Texts file, one text per line ('-': standard input).") var textFile: String?
    @OptionGroup var paths: InputPaths
    @Option(help: "File listing image paths, one per line ('-': standard input).") var imageList: String?
    @Option(help: "Inputs per forward pass (default: 32 texts or 8 images; memory grows with it).") var batch: Int?
    @Option(name: .shortAndLong, help: "Write embeddings to this .npy [N, D] float32.") var output: String?
    @Flag(help: "L2-normalise each embedding.") var normalize = false
    @Flag(help: "Print JSON {\"embeddings\": [[...]], \"dim\": D} on stdout.") var json = false
    @Flag(help: "Replace an existing output.") var force = false
    @OptionGroup var options: RunOptions

    func validate() throws {
        let given = [!image.isEmpty, !text.isEmpty, textFile != nil, paths.images != nil, imageList != nil,
                     paths.pixels != nil, paths.tokens != nil]
        if given.filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --image, --text, --text-file, --images, --image-list, --pixels, --tokens")
        }
        if let batch, batch < 1 || batch > 4096 { throw ValidationError("--batch must be 1...4096") }
    }

    /// Inputs per forward pass. An image costs ViT-B/32 int8 about 5 MB of activations in a batch, a
    /// text far less; larger batches barely run faster (1,800 images: 226 MB peak at 8, 368 MB at 32).
    var batchSize: Int { batch ?? (paths.images != nil || imageList != nil || !image.isEmpty || paths.pixels != nil ? 8 : 32) }

    /// Files this command reads (never overwritten by -o).
    var inputFiles: [String] { [file] + image + [textFile, imageList, paths.pixels, paths.tokens].compactMap { $0 }.filter { $0 != "-" } }

    func run() throws {
        if let output { try AtomicOutput.checkOutput(output, inputs: inputFiles, force: force) }
        let model = try options.load(file)
        let source = try batches(model)
        let sink = try EmbeddingSink(width: model.embedDim, npy: output, inputs: inputFiles, force: force, json: json)
        // A single batch needs no progress line.
        let progress = Progress("embedding", quiet: options.quiet || (source.total ?? .max) <= batchSize)
        var done = 0
        while let b = try source.next() {
            var e: [Float]
            switch b {
            case let .pixels(x, n): e = try model.encodeImages(pixels: x, count: n, normalize: normalize)
            case let .tokens(t): e = try model.encodeTexts(tokens: t, normalize: normalize)
            }
            try sink.append(e)
            done += b.count
            progress.update(done, source.total)
        }
        try sink.finish()
        if source.total == nil { progress.update(done, done) }
        if let output, !options.quiet { Output.info("wrote \(output): [\(sink.rows), \(model.embedDim)] float32") }
    }

    /// The input, a batch at a time: streams and lists through `InputBatches`, `.npy` arrays sliced.
    func batches(_ model: CLIPModel) throws -> (next: () throws -> InputBatch?, total: Int?) {
        let items: InputBatches
        if let textFile {
            items = try InputBatches(.texts, items: .lines(try TextLines(path: textFile)), model: model, batchSize: batchSize)
        } else if !text.isEmpty {
            items = try InputBatches(.texts, items: .list(text), model: model, batchSize: batchSize)
        } else if let imageList {
            items = try InputBatches(.images, items: .lines(try TextLines(path: imageList)), model: model, batchSize: batchSize)
        } else if let images = paths.images {
            items = try InputBatches(.images, items: .list(try ImageFolder.files(in: images)), model: model, batchSize: batchSize)
        } else if !image.isEmpty {
            items = try InputBatches(.images, items: .list(image), model: model, batchSize: batchSize)
        } else if let pixels = paths.pixels {
            let x = try NpyInputs.pixels(pixels, imageSize: model.visionConfig().imageSize)
            let per = x.values.count / x.count
            var i = 0
            return ({
                guard i < x.count else { return nil }
                let n = min(batchSize, x.count - i)
                defer { i += n }
                return .pixels(Array(x.values[(i * per)..<((i + n) * per)]), count: n)
            }, x.count)
        } else {
            let rows = try NpyInputs.tokens(paths.tokens ?? "", contextLength: model.textConfig().contextLength)
            var i = 0
            return ({
                guard i < rows.count else { return nil }
                defer { i = min(i + batchSize, rows.count) }
                return .tokens(Array(rows[i..<min(i + batchSize, rows.count)]))
            }, rows.count)
        }
        return (items.next, items.total)
    }
}

/// Where embeddings go as they are computed: the `.npy` (written incrementally), JSON on stdout, or
/// one line of numbers per row on stdout (without -o and --json).
final class EmbeddingSink {
    let width: Int
    let npy: NpyRowWriter?
    let json: Bool
    let plain: Bool
    private(set) var rows = 0

    init(width: Int, npy path: String?, inputs: [String], force: Bool, json: Bool) throws {
        self.width = width
        self.json = json
        plain = path == nil && !json
        npy = try path.map { try NpyRowWriter(path: $0, width: width, inputs: inputs, force: force) }
        if json { write("{\"dim\": \(width), \"embeddings\": [") }
    }

    func append(_ e: [Float]) throws {
        try npy?.append(e)
        let n = e.count / width
        if json || plain {
            var text = ""
            for r in 0..<n {
                let row = e[(r * width)..<((r + 1) * width)]
                if json {
                    // JSON has no NaN or Inf: a non-finite value is written as null.
                    let values = row.map { $0.isFinite ? "\(Double($0))" : "null" }
                    text += (rows + r == 0 ? "\n  [" : ",\n  [") + values.joined(separator: ", ") + "]"
                } else {
                    text += row.map { String(format: "%.6f", $0) }.joined(separator: " ") + "\n"
                }
            }
            write(text)
        }
        rows += n
    }

    /// Closes the JSON and fixes the `.npy` header, renaming it into place.
    func finish() throws {
        if json { write("\n]}\n") }
        try npy?.finish()
    }

    private func write(_ s: String) { FileHandle.standardOutput.write(Data(s.utf8)) }
}
