import ClipzImage
import ClipzRuntime
import ClipzText

/// One batch of model input.
public enum InputBatch {
    /// Preprocessed pixels [count, 3, S, S].
    case pixels([Float], count: Int)
    /// Token id rows.
    case tokens([[Int]])

    public var count: Int {
        switch self {
        case .pixels(_, let n): return n
        case .tokens(let t): return t.count
        }
    }
}

/// Model input read a batch at a time, so memory stays flat however many inputs there are
/// (`clipz embed --text-file`, `--images`, `--image-list`).
public final class InputBatches {
    /// Where the items come from: a list in memory, or lines streamed from a file or standard input.
    public enum Items {
        case list([String])
        case lines(TextLines)
    }

    public enum Kind { case texts, images }

    public let kind: Kind
    /// Inputs per batch.
    public let batchSize: Int
    /// Total inputs when known in advance (nil for a stream).
    public var total: Int? {
        if case .list(let l) = items { return l.count }
        return nil
    }
    /// Inputs returned so far.
    public private(set) var done = 0
    private let items: Items
    private var index = 0
    private let tokenizer: (any TextTokenizer)?
    private let preprocessor: Preprocessor?
    private let contextLength: Int

    /// - Parameters:
    ///   - kind: texts (tokenized with the model's tokenizer, built once) or image paths (decoded and
    ///     preprocessed with the model's preprocessing). A texts stream gives one input per line, empty
    ///     lines included, so that row i of the output is line i + 1; an image list skips blank lines.
    public init(_ kind: Kind, items: Items, model: CLIPModel, batchSize: Int) throws {
        guard batchSize >= 1 else { throw InputError.badInput("batch size must be ≥ 1, got \(batchSize)") }
        self.kind = kind
        self.items = items
        self.batchSize = batchSize
        contextLength = model.config.text?.contextLength ?? 0
        tokenizer = kind == .texts ? try model.tokenizer() : nil
        if kind == .images { _ = try model.visionConfig() }
        preprocessor = kind == .images ? try model.preprocessor() : nil
    }

    /// The next batch (up to `batchSize` inputs), or nil when the input is used up.
    /// - Throws: `InputError` naming the file and line for a bad texts/list file; `ImageError` naming an image.
    public func next() throws -> InputBatch? {
        var chunk: [String] = []
        while chunk.count < batchSize, let item = try nextItem() { chunk.append(item) }
        guard !chunk.isEmpty else { return nil }
        done += chunk.count
        if let tokenizer { return .tokens(tokenizer.tokenize(chunk, contextLength: contextLength)) }
        guard let pre = preprocessor else { return nil }
        var pixels: [Float] = []
        pixels.reserveCapacity(chunk.count * 3 * pre.cropSize * pre.cropSize)
        for path in chunk { pixels += pre.tensor(try ImageDecoder.decode(path: path)) }
        return .pixels(pixels, count: chunk.count)
    }

    private func nextItem() throws -> String? {
        switch items {
        case .list(let l):
            guard index < l.count else { return nil }
            index += 1
            return l[index - 1]
        case .lines(let reader):
            while let line = try reader.next() {
                // An image list may hold blank lines; a texts file keeps them (one embedding per line).
                if kind == .images && line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                return line
            }
            return nil
        }
    }
}
