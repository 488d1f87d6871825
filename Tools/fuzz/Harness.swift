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
