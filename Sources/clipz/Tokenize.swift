import ArgumentParser
import ClipzRuntime
import Foundation

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the token ids (and tokens) a model's text tower sees for each text.")
    @OptionGroup var model: HeaderFile
    @Argument(help: "Texts.") var texts: [String]
    @Flag(help: "Print JSON: {\"ids\": [[...], ...], \"tokens\": [[...], ...]}.") var json = false
    @Flag(help: "Include the zero padding up to the context length.") var padded = false

    func run() throws {
        let inputs = try model.inputs()
        let tok = try inputs.tokenizer()
        let ids = tok.tokenize(texts, contextLength: try inputs.textConfig().contextLength).map { row -> [Int] in
            if padded { return row }
            var r = row; while r.last == 0 { r.removeLast() }; return r
        }
        let tokens = ids.map { tok.tokens(for: $0.filter { $0 != 0 }) }
        if json { try Output.json(["ids": ids, "tokens": tokens]); return }
        for (i, t) in texts.enumerated() {
            print("\(t)")
            print("  ids:    \(ids[i].map(String.init).joined(separator: " "))")
            print("  tokens: \(tokens[i].joined(separator: " "))")
        }
    }
}
