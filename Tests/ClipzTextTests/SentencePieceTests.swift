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

    func testIdsMatchTransformersAndOpenCLIP() throws {
        let (model, file) = try load()
        XCTAssertGreaterThan(file.cases.count, 30)
        for (cleaning, pick) in [(SentencePieceTokenizer.Cleaning.huggingFace, \Case.hf), (.openCLIP, \Case.open_clip)] {
            let tok = try SentencePieceTokenizer(model: model, eosID: 1, padID: 1, cleaning: cleaning, file: "spiece.model")
            XCTAssertEqual(tok.vocabularySize, 512)
            var wrong: [String] = []
            for c in file.cases {
                let got = tok.tokenize([c.text], contextLength: file.context_length)[0]
                if got != c[keyPath: pick] { wrong.append("\(cleaning) \"\(visible(c.text))\": got \(got.prefix(12)) want \(c[keyPath: pick].prefix(12))") }
            }
            XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(file.cases.count) differ:\n" + wrong.joined(separator: "\n"))
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
