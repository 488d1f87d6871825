import Foundation
import XCTest

/// Under an address-space cap too small for OpenBLAS's ~128 MB per-thread buffer, the OpenBLAS fp32
/// path (CPUs without AVX-512) runs the plain loop instead: OpenBLAS 0.3.21 retries a failed
/// reservation forever, so before the check in clipz_sgemm this `embed --text` hung.
final class AddressSpaceCapTests: XCTestCase {
    private func embeddings(_ model: String, memoryLimitKB: Int) throws -> [[Double]] {
        let r = try CLI.run(["embed", model, "--json", "--quiet", "--text", "a photo of the number three.", "8"], timeout: 60,
                            environment: ["CLIPZ_CPU_DISABLE": "avx512"], memoryLimitKB: memoryLimitKB)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["embeddings"] as? [[Double]])
    }

    func testOpenBLASPathDoesNotHangWhenItsBufferDoesNotFit() throws {
        let dir = try CLI.tempDir(self)
        let model = dir.appendingPathComponent("digits.clipz").path
        let digits = CLI.root.appendingPathComponent("Tests/Fixtures/digits/model.safetensors").path
        XCTAssertEqual(try CLI.run(["convert", digits, "-o", model, "--quiet"], timeout: 60).status, 0)
        let capped = try embeddings(model, memoryLimitKB: 200_000)
        let roomy = try embeddings(model, memoryLimitKB: 4_000_000)
        XCTAssertEqual(capped.count, 2)
        XCTAssertEqual(capped.count, roomy.count)
        for (a, b) in zip(capped, roomy) {
            XCTAssertEqual(a.count, b.count)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-5, "plain-loop fallback vs OpenBLAS")
        }
    }
}
