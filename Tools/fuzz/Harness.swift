import Foundation

// libFuzzer entry for every Clipz fuzz target. The target is chosen by CLIPZ_FUZZ_TARGET (one of
// FuzzEntries.targets); the bodies live in Tests/clipzTests/HostileFuzzEntries.swift so the
// committed regressions replay through exactly the same code in `swift test`.

nonisolated(unsafe) private var target = ""
nonisolated(unsafe) private var scratch = ""

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    target = ProcessInfo.processInfo.environment["CLIPZ_FUZZ_TARGET"] ?? ""
    guard FuzzEntries.targets.contains(target) else {
        FileHandle.standardError.write(Data("set CLIPZ_FUZZ_TARGET to one of \(FuzzEntries.targets)\n".utf8))
        exit(2)
    }
    // One scratch folder per process: parallel fuzzers must not overwrite each other's input.
    scratch = NSTemporaryDirectory() + "/clipz-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratch) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // Errors are the expected outcome for most inputs; only traps and sanitizer reports matter.
    try? FuzzEntries.run(target, Data(bytes: data, count: size), scratch: scratch)
    return 0
}

@_silgen_name("LLVMFuzzerMutate")
func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// `.clipz` targets: three mutations in four edit the header JSON (a boundary number, or libFuzzer's
/// byte mutations on the header alone) and re-seal every checksum (`FuzzEntries.mutateClipzHeader`),
/// so the fuzzer tests validation instead of the CRC; the fourth, and every other target, mutates
/// bytes as libFuzzer does by default.
@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzCustomMutator(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard target.hasPrefix("clipz"), seed % 4 != 0 else { return LLVMFuzzerMutate(data, size, maxSize) }
    let file = Array(UnsafeBufferPointer(start: data, count: size))
    let mutant = FuzzEntries.mutateClipzHeader(file) { header in
        if seed % 4 == 1 { FuzzEntries.tweakNumber(&header, pick: UInt64(seed)); return }
        let room = maxSize - (size - header.count)
        guard room >= header.count, room > 0 else { return }
        var buf = header + [UInt8](repeating: 0, count: room - header.count)
        let n = buf.withUnsafeMutableBufferPointer { LLVMFuzzerMutate($0.baseAddress!, header.count, room) }
        header = Array(buf[..<n])
    }
    guard let m = mutant, m.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
    m.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: m.count) }
    return m.count
}
