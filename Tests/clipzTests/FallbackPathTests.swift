import Foundation
import XCTest

/// The kernel paths a CPU without AVX-512 takes (OpenBLAS fp32 with separate epilogue passes, AVX2 int8,
/// GCD-free pool unchanged) give the same embeddings and predictions as the AVX-512 paths, end to end:
/// `CLIPZ_CPU_DISABLE=avx512` hides the features from every dispatch in a child process (`bf16` only AVX512_BF16).
final class FallbackPathTests: XCTestCase {
    private func embeddings(_ model: String, disable: String?, _ extra: [String]) throws -> [[Double]] {
        let r = try CLI.run(["embed", model, "--json", "--quiet"] + extra, timeout: 60,
                            environment: disable.map { ["CLIPZ_CPU_DISABLE": $0] } ?? [:])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["embeddings"] as? [[Double]])
    }

    private func cosine(_ a: [Double], _ b: [Double]) -> Double {
        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return dot / (na * nb)
    }

    func testNoAVX512PathsMatchTheDefaultPaths() throws {
        guard CLI.binary != nil else { throw MissingFixture("clipz binary not found beside the test bundle") }
        let dir = try CLI.tempDir(self)
        let fp32 = dir.appendingPathComponent("digits.clipz").path, int8 = dir.appendingPathComponent("digits-int8.clipz").path
        let digits = CLI.root.appendingPathComponent("Tests/Fixtures/digits")
        XCTAssertEqual(try CLI.run(["convert", digits.appendingPathComponent("model.safetensors").path, "-o", fp32, "--quiet"], timeout: 60).status, 0)
        XCTAssertEqual(try CLI.run(["quantize", fp32, "-o", int8, "--type", "int8", "--quiet"], timeout: 60).status, 0)
        let heldout = digits.appendingPathComponent("heldout")
        let images = try FileManager.default.contentsOfDirectory(atPath: heldout.appendingPathComponent("three").path).sorted().prefix(4)
            .map { heldout.appendingPathComponent("three/" + $0).path }
        let texts = ["a photo of the number three.", "a photo of the number seven.", "8"]
        // int8 models take bf16 attention on CPUs with AVX512_BF16 (the AVX2 paths keep fp32): the GEMM paths are
        // compared with it switched off, and bf16 against fp32 attention with the looser bar of its own rounding
        // (measured min 0.99976 here, as large as int8's own deviation from fp32).
        for (model, minCos) in [(fp32, 0.99999), (int8, 0.9999)] {
            for input in [["--image"] + images, ["--text"] + texts] {
                let fast = try embeddings(model, disable: model == int8 ? "bf16" : nil, input)
                let fallback = try embeddings(model, disable: "avx512", input)
                XCTAssertEqual(fast.count, fallback.count)
                for (a, b) in zip(fast, fallback) { XCTAssertGreaterThan(cosine(a, b), minCos, "\(model) \(input[0])") }
                guard model == int8 else { continue }
                let bf16 = try embeddings(model, disable: nil, input)
                for (a, b) in zip(bf16, fast) { XCTAssertGreaterThan(cosine(a, b), 0.9995, "bf16 attention: \(model) \(input[0])") }
            }
        }
        // The switch really changes the kernels: `system` no longer lists AVX-512 and picks OpenBLAS Haswell.
        let sys = try CLI.run(["system", "--json"], environment: ["CLIPZ_CPU_DISABLE": "avx512"])
        XCTAssertFalse(sys.stdout.contains("avx512f"), sys.stdout)
    }

    /// CLIPZ_HUGE_PAGES=0 keeps packed weights off huge pages, and `system` says which way it is.
    func testHugePagesSwitchShowsInSystem() throws {
        func requested(_ env: [String: String]) throws -> Bool? {
            let out = try CLI.run(["system", "--json"], environment: env).stdout
            let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
            return json?["weights_huge_pages"] as? Bool
        }
        XCTAssertEqual(try requested(["CLIPZ_HUGE_PAGES": "0"]), false)
        XCTAssertEqual(try requested(["CLIPZ_HUGE_PAGES": "off"]), false)
        // Unset, it is on; the suite itself may run under CLIPZ_HUGE_PAGES, which the child then inherits.
        let outer = ProcessInfo.processInfo.environment["CLIPZ_HUGE_PAGES"]
        XCTAssertEqual(try requested([:]), outer.map { $0 != "0" && $0 != "off" } ?? true)
    }
}
