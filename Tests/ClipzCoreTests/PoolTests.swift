import CClipzKernels
import Foundation
import XCTest

/// The worker pool behind the forward pass's parallel sections: every part runs exactly once, the
/// call returns only after all of them, and nested or concurrent calls neither deadlock nor lose parts.
final class PoolTests: XCTestCase {
    /// Counts per part, incremented atomically enough for the test (each part owns its slot).
    final class Slots: @unchecked Sendable {
        var counts: [Int]
        init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
    }

    private func run(_ parts: Int, threads: Int, _ body: @escaping (Int) -> Void) {
        var task = body
        withUnsafeMutablePointer(to: &task) { ctx in
            clipz_parallel_for(Int32(parts), Int32(threads), { ctx, part in
                ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
            }, ctx)
        }
    }

    func testEveryPartRunsExactlyOnceAcrossManyJobs() {
        for parts in [1, 2, 3, 7, 64, 1000] {
            for threads in [1, 2, 4] {
                let slots = Slots(parts)
                slots.counts.withUnsafeMutableBufferPointer { buf in
                    let base = Int(bitPattern: buf.baseAddress)
                    for _ in 0..<20 { run(parts, threads: threads) { p in UnsafeMutablePointer<Int>(bitPattern: base)![p] += 1 } }
                }
                XCTAssertEqual(slots.counts, [Int](repeating: 20, count: parts), "parts \(parts) threads \(threads)")
            }
        }
    }

    func testNestedCallRunsSeriallyWithoutDeadlock() {
        let slots = Slots(4 * 5)
        slots.counts.withUnsafeMutableBufferPointer { buf in
            let base = Int(bitPattern: buf.baseAddress)
            run(4, threads: 2) { outer in
                self.run(5, threads: 2) { inner in UnsafeMutablePointer<Int>(bitPattern: base)![outer * 5 + inner] += 1 }
            }
        }
        XCTAssertEqual(slots.counts, [Int](repeating: 1, count: 20))
    }

    func testConcurrentCallersFromSeveralThreads() {
        let slots = Slots(8 * 50)
        let base = slots.counts.withUnsafeMutableBufferPointer { Int(bitPattern: $0.baseAddress) }
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<10 {
                var task: (Int) -> Void = { p in UnsafeMutablePointer<Int>(bitPattern: base)![caller * 50 + p] += 1 }
                withUnsafeMutablePointer(to: &task) { ctx in
                    clipz_parallel_for(50, 2, { ctx, part in ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part)) }, ctx)
                }
            }
        }
        withExtendedLifetime(slots) { XCTAssertEqual(slots.counts, [Int](repeating: 10, count: 400)) }
    }
}
