import ClipzText
import XCTest

final class VocabularyTests: XCTestCase {
    func testBundledVocabularyShape() throws {
        let tok = try CLIPTokenizer.bundled()
        XCTAssertEqual(tok.vocabularySize, 49408)
        XCTAssertEqual(tok.startOfTextID, 49406)
        XCTAssertEqual(tok.endOfTextID, 49407)
        XCTAssertEqual(tok.tokens(for: [0, 255, 256, 511, 49406, 49407]),
                       ["!", "Ń", "!</w>", "Ń</w>", "<start_of_text>", "<end_of_text>"])
        XCTAssertEqual(tok.tokens(for: [-1, 49408]), ["<unk:-1>", "<unk:49408>"])
    }

    func testBundledTextChecksumAndHeader() throws {
        let text = try CLIPTokenizer.bundledMergesText()
        XCTAssertTrue(text.hasPrefix("\"bpe_simple_vocab_16e6.txt#version: 0.2\n"), String(text.prefix(60)))
    }

    func testKnownPrompt() throws {
        let tok = try CLIPTokenizer.bundled()
        // From open_clip.tokenize(["a photo of a cat"]).
        XCTAssertEqual(tok.encode("a photo of a cat"), [320, 1125, 539, 320, 2368])
        XCTAssertEqual(tok.tokenize(["a photo of a cat"], contextLength: 8), [[49406, 320, 1125, 539, 320, 2368, 49407, 0]])
        XCTAssertEqual(tok.decode(tok.encode("A Photo of a CAT!")), "a photo of a cat ! ")
    }

    func testTruncationKeepsEndTokenLast() throws {
        let tok = try CLIPTokenizer.bundled()
        let long = String(repeating: "hello world ", count: 100)
        let row = try XCTUnwrap(tok.tokenize([long], contextLength: 77).first)
        XCTAssertEqual(row.count, 77)
        XCTAssertEqual(row.first, 49406)
        XCTAssertEqual(row.last, 49407)
        XCTAssertEqual(Array(row[1..<76]), Array(tok.encode(long).prefix(75)))
        XCTAssertEqual(tok.tokenize([long], contextLength: 1), [[49407]])
        XCTAssertEqual(tok.tokenize(["", "x"], contextLength: 0), [[], []])
        XCTAssertEqual(tok.tokenize([""], contextLength: 4), [[49406, 49407, 0, 0]])
    }

    func testCleanupRules() throws {
        let tok = try CLIPTokenizer.bundled()
        XCTAssertEqual(tok.encode("ＡＢＣ"), tok.encode("abc"))
        XCTAssertEqual(tok.encode("ﬁsh"), tok.encode("fish"))
        XCTAssertEqual(tok.encode("“it’s”"), tok.encode("\"it's\""))
        XCTAssertEqual(tok.encode("&lt;b&gt;"), tok.encode("<b>"))
        XCTAssertEqual(tok.encode("  many\t\tspaces \n here "), tok.encode("many spaces here"))
        XCTAssertEqual(tok.encode("e\u{301}"), tok.encode("é"))
        XCTAssertNotEqual(tok.encode("it's"), tok.encode("its"))
    }

    func testLiteralSpecialTokensMapToIds() throws {
        let tok = try CLIPTokenizer.bundled()
        let ids = tok.encode("x<end_of_text>")
        XCTAssertEqual(ids.last, 49407)
    }
}
