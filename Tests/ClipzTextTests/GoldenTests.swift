import ClipzText
import XCTest

/// Ids must equal open_clip's for every golden string (Tools/make_tokenizer_goldens.py), including
/// the ones flagged as needing ftfy's mojibake repair (counted separately in the summary).
final class GoldenTests: XCTestCase {
    func testEncodeMatchesOpenCLIP() throws {
        let goldens = try Fixtures.goldens("tokenizer_goldens")
        XCTAssertGreaterThanOrEqual(goldens.cases.count, 600)
        let tok = try CLIPTokenizer.bundled()
        var matched = 0, gaps = 0, gapMatched = 0
        var failures: [String] = []
        for c in goldens.cases {
            let got = tok.encode(c.text)
            if c.isKnownGap { gaps += 1; gapMatched += got == c.ids ? 1 : 0 }
            if got == c.ids { matched += 1 } else if failures.count < 10 {
                failures.append("'\(visible(c.text))'\n  expected \(c.ids.prefix(40))\n  got      \(got.prefix(40))")
            }
        }
        let summary = "encode: \(matched)/\(goldens.cases.count) match open_clip \(goldens.open_clip_version)"
            + " (of which mojibake repair: \(gapMatched)/\(gaps))"
        print(summary)
        XCTAssertEqual(matched, goldens.cases.count, summary + "\n" + failures.joined(separator: "\n"))
        XCTAssertLessThanOrEqual(gaps, 5, "the corpus should stay about realistic prompts")
    }

    func testTokenizeRowsMatchOpenCLIP() throws {
        let goldens = try Fixtures.goldens("tokenizer_goldens")
        let tok = try CLIPTokenizer.bundled()
        let rows = tok.tokenize(goldens.cases.map(\.text), contextLength: 77)
        var matched = 0
        var failures: [String] = []
        let cases = goldens.cases
        for (c, row) in zip(goldens.cases, rows) {
            let expected = try XCTUnwrap(c.row)
            let padded = expected + Array(repeating: 0, count: max(0, 77 - expected.count))
            if row == padded { matched += 1 } else if failures.count < 10 {
                failures.append("'\(visible(c.text))'\n  expected \(expected)\n  got      \(row)")
            }
        }
        let summary = "tokenize(77): \(matched)/\(cases.count) rows match"
        print(summary)
        XCTAssertEqual(matched, cases.count, summary + "\n" + failures.joined(separator: "\n"))
    }

    func testBundledVocabularyBuildsTheFullTokenizer() throws {
        let tok = try CLIPTokenizer(mergesText: try CLIPTokenizer.bundledMergesText())
        XCTAssertEqual(tok.vocabularySize, 49408)
    }

    /// A thousand prompts in one call, twice (the second pass reads the word cache): the same rows, each
    /// 77 ids starting with <start_of_text>. Speed is measured by benchmarks, not here.
    func testThousandPromptsGiveTheSameRowsWithAWarmCache() throws {
        let tok = try CLIPTokenizer.bundled()
        let goldens = try Fixtures.goldens("tokenizer_goldens")
        let texts = (0..<1000).map { i in "a photo of a \(goldens.cases[i % goldens.cases.count].text.prefix(60)) number \(i)" }
        let rows = tok.tokenize(texts, contextLength: 77)
        XCTAssertEqual(rows.count, 1000)
        XCTAssertTrue(rows.allSatisfy { $0.count == 77 && $0[0] == 49406 })
        XCTAssertEqual(tok.tokenize(texts, contextLength: 77), rows)
    }
}
