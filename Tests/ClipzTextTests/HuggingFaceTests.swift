import ClipzText
import XCTest

/// The Hugging Face loaders, on a tiny vocabulary (512 byte symbols + 3000 merges + 2 specials)
/// whose expected ids come from open_clip's tokenizer over the same merges.
final class HuggingFaceTests: XCTestCase {
    private func check(_ tok: CLIPTokenizer, label: String) throws {
        let goldens = try Fixtures.goldens("hf_tiny_goldens")
        XCTAssertEqual(tok.vocabularySize, 3514, label)
        XCTAssertEqual(tok.startOfTextID, 3512, label)
        XCTAssertEqual(tok.endOfTextID, 3513, label)
        var matched = 0
        var failures: [String] = []
        for c in goldens.cases {
            let got = tok.encode(c.text)
            if got == c.ids { matched += 1 } else if failures.count < 5 {
                failures.append("'\(visible(c.text))' expected \(c.ids.prefix(30)) got \(got.prefix(30))")
            }
        }
        print("\(label): \(matched)/\(goldens.cases.count) match")
        XCTAssertEqual(matched, goldens.cases.count, "\(label)\n" + failures.joined(separator: "\n"))
    }

    func testVocabJSONAndMergesTXT() throws {
        let vocab = try Fixtures.data("vocab", "json", in: "Fixtures/hf_tiny")
        let merges = try XCTUnwrap(String(data: Fixtures.data("merges", "txt", in: "Fixtures/hf_tiny"), encoding: .utf8))
        let tok = try CLIPTokenizer(vocabJSON: vocab, mergesTXT: merges)
        XCTAssertEqual(tok.startOfTextToken, "<|startoftext|>")
        try check(tok, label: "vocab.json + merges.txt")
        // HF spells the specials <|startoftext|>; typed literally they map to the special ids.
        XCTAssertEqual(tok.encode("<|startoftext|>hi<|ENDOFTEXT|>").first, 3512)
        XCTAssertEqual(tok.encode("<|startoftext|>hi<|ENDOFTEXT|>").last, 3513)
    }

    func testTokenizerJSON() throws {
        try check(CLIPTokenizer(tokenizerJSON: Fixtures.data("tokenizer", "json", in: "Fixtures/hf_tiny")), label: "tokenizer.json")
    }

    func testMergesTextWithTruncatedCount() throws {
        let merges = try XCTUnwrap(String(data: Fixtures.data("merges", "txt", in: "Fixtures/hf_tiny"), encoding: .utf8))
        try check(CLIPTokenizer(mergesText: merges, mergeCount: 3000), label: "open_clip merges text")
    }

    func testMergeArraysInTokenizerJSON() throws {
        let json = #"{"model":{"type":"BPE","vocab":VOCAB,"merges":[["h","i</w>"]]}}"#
        var vocab: [String: Int] = [:]
        let base = (0..<256).map { b -> String in
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            return printable ? String(UnicodeScalar(UInt8(b))) : "" }
        var id = 0
        for s in base where !s.isEmpty { vocab[s] = id; vocab[s + "</w>"] = id + 1000; id += 1 }
        // The 68 remapped bytes (U+0100...U+0143).
        for v in 0x100..<0x144 { let s = String(UnicodeScalar(v)!); vocab[s] = id; vocab[s + "</w>"] = id + 1000; id += 1 }
        vocab["hi</w>"] = 2000; vocab["<|startoftext|>"] = 2001; vocab["<|endoftext|>"] = 2002
        let vocabText = String(data: try JSONSerialization.data(withJSONObject: vocab), encoding: .utf8)!
        let tok = try CLIPTokenizer(tokenizerJSON: Data(json.replacingOccurrences(of: "VOCAB", with: vocabText).utf8))
        XCTAssertEqual(tok.encode("Hi hi"), [2000, 2000])
        XCTAssertEqual(tok.tokenize(["hi"], contextLength: 3), [[2001, 2000, 2002]])
    }
}
