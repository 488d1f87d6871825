import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Paths that a checkpoint names itself (ONNX external-data `location`, safetensors shard names,
/// raw-dump `file` entries, `.npy` files of a folder), kept inside the model's folder.
/// One rule set for every importer (Formats/raw-dump.md, `tensors[].file`).
enum ModelFolder {
    /// Resolves `relative` inside `folder` and returns the real path of the file it names.
    ///
    /// Refused (`ImportError.unsafePath`): an empty path, a NUL byte, an absolute path, a backslash
    /// (a Windows separator would make `..\` invisible to the check), an empty or `..` component,
    /// and a path whose real location (every symbolic link resolved) is not strictly inside the
    /// folder's real location.
    /// - Parameters:
    ///   - relative: the path as the checkpoint spells it.
    ///   - folder: the model's folder.
    ///   - referrer: the file that named the path, for messages.
    /// - Throws: `ImportError.unsafePath`, or `ImportError.io` when the file does not exist.
    static func resolve(_ relative: String, in folder: String, referrer: String) throws -> String {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.utf8.contains(0), !relative.hasPrefix("/"), !relative.contains("\\"),
              !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw ImportError.unsafePath(file: referrer, path: relative)
        }
        guard let base = realPath(folder) else {
            throw ImportError.io(file: referrer, message: "model folder '\(folder)' does not exist")
        }
        guard let full = realPath(base + "/" + relative) else {
            throw ImportError.io(file: referrer, message: "'\(relative)' not found in the model folder '\(base)'")
        }
        guard full.hasPrefix(base == "/" ? "/" : base + "/"), full != base else {
            throw ImportError.unsafePath(file: referrer, path: relative)
        }
        return full
    }

    /// The canonical absolute path with every link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The folder holding `path` ("." for a bare file name).
    static func containing(_ path: String) -> String {
        let f = (path as NSString).deletingLastPathComponent
        return f.isEmpty ? "." : f
    }
}
