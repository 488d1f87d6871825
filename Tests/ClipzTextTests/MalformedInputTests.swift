import ClipzText
import XCTest

/// Hostile or broken vocabulary files must throw typed errors, never trap.
final class MalformedInputTests: XCTestCase {
    func testBadMergeLine() {
        XCTAssertThrowsError(try CLIPTokenizer(mergesText: "#v\na b c\n")) { error in
            XCTAssertEqual(error as? TokenizerError, .badMerge(file: "bpe vocabulary", line: 2, text: "a b c"))
        }
    }

    func testVocabJSONErrors() throws {
        let merges = "#version: 0.2\n"
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data("not json".utf8), mergesTXT: merges))
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data("[1,2]".utf8), mergesTXT: merges))
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data(#"{"a": "x"}"#.utf8), mergesTXT: merges))
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data(#"{"a": -5}"#.utf8), mergesTXT: merges))
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data(#"{"a": 99999999999}"#.utf8), mergesTXT: merges))
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: Data(#"{"a": 0, "b": 0}"#.utf8), mergesTXT: merges))
        // Byte symbols present but no special tokens.
        let vocab = try Fixtures.data("vocab", "json", in: "Fixtures/hf_tiny")
        var dict = try XCTUnwrap(JSONSerialization.jsonObject(with: vocab) as? [String: Int])
        dict["<|endoftext|>"] = nil
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: JSONSerialization.data(withJSONObject: dict), mergesTXT: merges)) { error in
            guard case .missingSpecialToken = error as? TokenizerError else { return XCTFail("\(error)") }
        }
    }

    func testMergeResultMissingFromVocabulary() throws {
        let vocab = try Fixtures.data("vocab", "json", in: "Fixtures/hf_tiny")
        XCTAssertThrowsError(try CLIPTokenizer(vocabJSON: vocab, mergesTXT: "#version: 0.2\nq z</w>\n")) { error in
            guard case .badMerge(_, 2, _) = error as? TokenizerError else { return XCTFail("\(error)") }
        }
    }

    func testTokenizerJSONErrors() {
        XCTAssertThrowsError(try CLIPTokenizer(tokenizerJSON: Data("{}".utf8)))
        XCTAssertThrowsError(try CLIPTokenizer(tokenizerJSON: Data(#"{"model":{"type":"Unigram"}}"#.utf8)))
        XCTAssertThrowsError(try CLIPTokenizer(tokenizerJSON: Data(#"{"model":{"type":"BPE","vocab":{},"merges":[[1,2]]}}"#.utf8)))
    }

    func testOddTextDoesNotTrap() throws {
        let tok = try CLIPTokenizer.bundled()
        for s in ["&#99999999999999999999;", "&#x;", "&", "&;", "&#", "\u{1B}[", "\u{1B}[12;", String(repeating: "&amp;", count: 1000),
                  String(repeating: "a", count: 5000), "\u{0}\u{1}\u{2}", "\r", "Σ", "'", "''s"] {
            let row = tok.tokenize([s], contextLength: 77)[0]
            XCTAssertEqual(row.count, 77)
            XCTAssertEqual(row.first, 49406)
        }
    }
}
