import ClipzCore
import Foundation
import XCTest
@testable import ClipzImport

/// PyTorch checkpoints read without Python: views on shared storages as numpy sees them, and hostile
/// pickles refused by name, without running anything, within bounded memory and stack.
final class PyTorchReaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// torch.save of tensors sharing one storage: a transposed (non-contiguous) view, a slice at a storage
    /// offset, a strided column and a 0-d tensor (Tools/make_pytorch_fixtures.py, numpy's copies beside).
    func testViewsOnASharedStorageReadAsNumpySeesThem() throws {
        let dir = Self.fixtures + "/pickle_cases"
        let tensors = try TorchReader.read(path: dir + "/views.pt")
        let expected = try NumpyFiles.readNPZ(dir + "/views_expected.npz")
        XCTAssertEqual(Set(tensors.map(\.name)), Set(expected.keys))
        for t in tensors {
            let want = try XCTUnwrap(expected[t.name])
            XCTAssertEqual(t.shape, want.shape, t.name)
            let got = try Tensor(name: t.name, dtype: .f32, shape: t.shape, bytes: t.readBytes()).floats()
            XCTAssertEqual(got, want.floats(), t.name)
        }
    }

    // MARK: hostile pickles (bytes written here, opcode by opcode)

    private func torchZip(_ pickle: [UInt8], storages: [(String, [UInt8])] = []) throws -> String {
        let path = try makeTempDir("pt") + "/model.pt"
        try write(DumpWriter.zip([("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8))]
                                 + storages.map { ("archive/data/" + $0.0, $0.1) }), path)
        return path
    }

    private func unicode(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
    private let proto: [UInt8] = [0x80, 0x02]

    private func assertRefused(_ pickle: [UInt8], naming global: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try torchZip(pickle)
        XCTAssertThrowsError(try TorchReader.read(path: path), file: file, line: line) { error in
            guard case let ImportError.unsafePickle(_, g) = error else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(g, global, file: file, line: line)
            XCTAssertTrue("\(error)".contains(global) && "\(error)".contains("never runs code"), file: file, line: line)
        }
    }

    func testCodeRunningGlobalsAreRefusedByName() throws {
        // GLOBAL os.system; ('touch /tmp/x',); REDUCE — refused at the GLOBAL, before anything could run.
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("pwned-\(UUID().uuidString)").path
        try assertRefused(proto + Array("cos\nsystem\n".utf8) + unicode("touch " + marker) + [0x85, 0x52, 0x2E], naming: "os.system")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        // STACK_GLOBAL builtins.eval, and a class Clipz does not know (arbitrary REDUCE targets).
        try assertRefused(proto + unicode("builtins") + unicode("eval") + [0x93] + unicode("1+1") + [0x85, 0x52, 0x2E], naming: "builtins.eval")
        try assertRefused(proto + Array("csubprocess\nPopen\n".utf8) + [0x29, 0x52, 0x2E], naming: "subprocess.Popen")
        try assertRefused(proto + Array("ctorch\nload\n".utf8) + [0x29, 0x52, 0x2E], naming: "torch.load")
        // NEWOBJ on an allowed marker class is not an instantiation Clipz performs.
        let path = try torchZip(proto + Array("ctorch.nn.parameter\nParameter\n".utf8) + [0x29, 0x81, 0x2E])
        XCTAssertThrowsError(try TorchReader.read(path: path))
    }

    func testDeepNestingMemoAbuseAndTruncationFailCleanly() throws {
        // A million nested 1-tuples (3 MB of opcodes): refused or read, but never a stack overflow on release.
        let deep = proto + [0x4E] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        XCTAssertThrowsError(try TorchReader.read(path: try torchZip(deep)))
        // 100k nested dicts {"a": {"a": …}} (MARK key … EMPTY_DICT DICT …): the walk stops at its depth cap.
        let nested = proto + [UInt8]((0..<100_000).flatMap { _ in [0x28] + unicode("a") }) + [0x7D] + [UInt8](repeating: 0x64, count: 100_000) + [0x2E]
        XCTAssertThrowsError(try TorchReader.read(path: try torchZip(nested))) { XCTAssertTrue("\($0)".contains("nesting depth"), "\($0)") }
        // Memo read before write, an index past the cap, a truncated stream, an unknown opcode.
        for bad: [UInt8] in [proto + [0x68, 7, 0x2E], proto + [0x4E, 0x72, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E], proto + [0x58, 0xFF, 0xFF, 0xFF, 0x7F],
                             proto + [0x4E, 0xFF, 0x2E], proto + [0x30, 0x2E], proto + [0x8A, 0x20] + [UInt8](repeating: 1, count: 32) + [0x2E]] {
            XCTAssertThrowsError(try TorchReader.read(path: try torchZip(bad)), "\(bad.prefix(8))")
        }
    }

    /// _rebuild_tensor_v2(storage, offset, size, stride, ...) with a persistent storage id.
    private func tensorPickle(numel: Int, offset: Int, shape: [Int], stride: [Int]) -> [UInt8] {
        func int(_ v: Int) -> [UInt8] { [0x4A] + (0..<4).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
        func long(_ v: Int) -> [UInt8] { [0x8A, 8] + (0..<8).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }
        func tuple(_ xs: [Int]) -> [UInt8] { [0x28] + xs.flatMap(long) + [0x74] }
        let pid: [UInt8] = [0x28] + unicode("storage") + Array("ctorch\nFloatStorage\n".utf8) + unicode("0") + unicode("cpu") + long(numel) + [0x74, 0x51]
        return proto + [0x7D] + unicode("visual.proj") + Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8)
            + [0x28] + pid + int(offset) + tuple(shape) + tuple(stride) + [0x89] + Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x74, 0x52, 0x73, 0x2E]
    }

    func testStorageSizesAndViewsAreCheckedAgainstTheArchive() throws {
        let storage = ("0", [UInt8](repeating: 0, count: 64))  // 16 floats
        // In bounds: a 4 × 4 view, and a transposed one.
        XCTAssertEqual(try TorchReader.read(path: try torchZip(tensorPickle(numel: 16, offset: 0, shape: [4, 4], stride: [4, 1]), storages: [storage]))[0].shape, [4, 4])
        XCTAssertEqual(try TorchReader.read(path: try torchZip(tensorPickle(numel: 16, offset: 0, shape: [4, 4], stride: [1, 4]), storages: [storage]))[0].shape, [4, 4])
        for (numel, offset, shape, stride, why) in [(1 << 60, 0, [4, 4], [4, 1], "storage size beyond its member"),
                                                   (16, 1, [4, 4], [4, 1], "view past the storage's end"),
                                                   (16, 0, [1 << 40, 1 << 40], [1, 1], "view overflowing"),
                                                   (16, 0, [4, 4], [4, -1], "negative stride")] {
            let path = try torchZip(tensorPickle(numel: numel, offset: offset, shape: shape, stride: stride), storages: [storage])
            XCTAssertThrowsError(try TorchReader.read(path: path), why) { XCTAssertTrue("\($0)".contains("visual.proj"), "\($0)") }
        }
        // A storage the archive does not hold.
        let missing = try torchZip(tensorPickle(numel: 16, offset: 0, shape: [4, 4], stride: [4, 1]))
        XCTAssertThrowsError(try TorchReader.read(path: missing)) { XCTAssertTrue("\($0)".contains("storage '0'"), "\($0)") }
    }

    func testLegacyFormatAndBigEndianAreRefusedWithAWayOut() throws {
        let dir = try makeTempDir("pt")
        try write([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E], dir + "/old.bin")
        XCTAssertThrowsError(try TorchReader.read(path: dir + "/old.bin")) { XCTAssertTrue("\($0)".contains("re-save"), "\($0)") }
        try write(DumpWriter.zip([("archive/data.pkl", proto + [0x7D, 0x2E]), ("archive/byteorder", Array("big".utf8))]), dir + "/big.pt")
        XCTAssertThrowsError(try TorchReader.read(path: dir + "/big.pt")) { XCTAssertTrue("\($0)".contains("byte order"), "\($0)") }
    }
}
