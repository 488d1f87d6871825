import Foundation
import XCTest
@testable import ClipzText

/// SigLIP's tokenizer against transformers' `SiglipTokenizer` and open_clip's `HFTokenizer(clean="canonicalize")`
/// on a SentencePiece model trained for the fixture (Fixtures/siglip, Tools/make_siglip_fixtures.py).
final class SentencePieceTests: XCTestCase {
    struct Case: Decodable { let text: String; let hf: [Int]; let open_clip: [Int] }
    struct File: Decodable { let context_length: Int; let cases: [Case] }

    func load() throws -> (model: [UInt8], file: File) {
        let model = [UInt8](try Fixtures.data("spiece", "model", in: "Fixtures/siglip"))
        let file = try JSONDecoder().decode(File.self, from: Fixtures.data("ids", "json", in: "Fixtures/siglip"))
        return (model, file)
    }

    /// Every text's ids equal the golden row; the ones that differ are listed.
    func assertIds(_ tok: SentencePieceTokenizer, _ rows: [(text: String, ids: [Int])], context: Int, _ label: String) {
        var wrong: [String] = []
        for (text, want) in rows {
            let got = tok.tokenize([text], contextLength: context)[0]
            if got != want { wrong.append("\(label) \"\(visible(text))\": got \(got.prefix(12)) want \(want.prefix(12))") }
        }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(rows.count) differ:\n" + wrong.joined(separator: "\n"))
    }

    func testIdsMatchTransformersAndOpenCLIP() throws {
        let (model, file) = try load()
        XCTAssertGreaterThan(file.cases.count, 30)
        for (cleaning, pick) in [(SentencePieceTokenizer.Cleaning.huggingFace, \Case.hf), (.openCLIP, \Case.open_clip)] {
            let tok = try SentencePieceTokenizer(model: model, eosID: 1, padID: 1, cleaning: cleaning, file: "spiece.model")
            XCTAssertEqual(tok.vocabularySize, 512)
            assertIds(tok, file.cases.map { ($0.text, $0[keyPath: pick]) }, context: file.context_length, "\(cleaning)")
        }
    }

    func testPiecesAndShortContext() throws {
        let (model, _) = try load()
        let tok = try SentencePieceTokenizer(model: model, eosID: 1, padID: 1, file: "spiece.model")
        XCTAssertEqual(tok.tokens(for: [1, 2, 9999]), ["</s>", "<unk>", "<unk:9999>"])
        // Truncation keeps the end-of-sequence id in the last slot.
        let row = tok.tokenize(["a photo of a cat"], contextLength: 3)[0]
        XCTAssertEqual(row.count, 3)
        XCTAssertEqual(row.last, 1)
    }

    /// SigLIP 2: transformers' GemmaTokenizer, Siglip2Tokenizer (lower-casing) and open_clip's HFTokenizer over it
    /// (Fixtures/siglip2, the `gemma` part of Tools/make_siglip_fixtures.py).
    func testGemmaIdsMatchTransformersAndOpenCLIP() throws {
        struct GemmaCase: Decodable { let text: String; let hf: [Int]; let open_clip: [Int]; let hf_siglip2: [Int] }
        struct GemmaFile: Decodable { let context_length: Int; let cases: [GemmaCase] }
        let model = [UInt8](try Fixtures.data("tokenizer", "model", in: "Fixtures/siglip2"))
        let file = try JSONDecoder().decode(GemmaFile.self, from: Fixtures.data("ids", "json", in: "Fixtures/siglip2"))
        XCTAssertGreaterThanOrEqual(file.cases.count, 40)
        let runs: [(SentencePieceTokenizer.Cleaning, Bool, KeyPath<GemmaCase, [Int]>)] =
            [(.gemma, false, \.hf), (.gemmaOpenCLIP, false, \.open_clip), (.gemma, true, \.hf_siglip2)]
        for (cleaning, lowercase, pick) in runs {
            let tok = try SentencePieceTokenizer(model: model, eosID: 1, padID: 0, lowercase: lowercase, cleaning: cleaning, file: "tokenizer.model")
            XCTAssertEqual(tok.vocabularySize, 700)
            assertIds(tok, file.cases.map { ($0.text, $0[keyPath: pick]) }, context: file.context_length, "\(cleaning) lower \(lowercase)")
        }
        // add_bos_token true, add_eos_token false: <bos> first, no <eos>; truncation keeps the BOS.
        let tok = try SentencePieceTokenizer(model: model, bosID: 2, eosID: -1, padID: 0, lowercase: false, cleaning: .gemma, file: "tokenizer.model")
        XCTAssertEqual(tok.tokenize(["a photo of a cat"], contextLength: 8)[0], [2, 628, 276, 268, 264, 487, 0, 0])
        XCTAssertEqual(tok.tokenize(["a photo of a cat"], contextLength: 3)[0], [2, 628, 276])
        XCTAssertEqual(tok.tokenize([""], contextLength: 2)[0], [2, 0])
        XCTAssertEqual(tok.tokens(for: [0, 1, 2, 3, 4, 5]), ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<0x00>"])
        // A BOS id belongs to the Gemma tokenizer only; a missing EOS too.
        XCTAssertThrowsError(try SentencePieceTokenizer(model: model, bosID: 2, eosID: 1, padID: 0, file: "tokenizer.model"))
        XCTAssertThrowsError(try SentencePieceTokenizer(model: model, eosID: -1, padID: 0, file: "tokenizer.model"))
        XCTAssertThrowsError(try SentencePieceTokenizer(model: model, bosID: 700, eosID: 1, padID: 0, cleaning: .gemma, file: "tokenizer.model")) {
            XCTAssertTrue("\($0)".contains("beginning-of-sequence id 700"), "\($0)")
        }
    }

    func testRejectsNonModelAndBadIds() throws {
        XCTAssertThrowsError(try SentencePieceTokenizer(model: Array("not a model".utf8), eosID: 1, padID: 1, file: "x.model")) {
            XCTAssertTrue("\($0)".hasPrefix("x.model: not a SentencePiece model"), "\($0)")
        }
        let (model, _) = try load()
        XCTAssertThrowsError(try SentencePieceTokenizer(model: model, eosID: 600, padID: 1, file: "spiece.model")) {
            XCTAssertTrue("\($0)".contains("end-of-sequence id 600"), "\($0)")
        }
    }
}
