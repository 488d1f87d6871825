import Foundation

/// Resolution of ONNX external-data `location` values, confined to the model's folder.
enum ExternalDataPath {
    /// Resolves `location` relative to the folder of `modelPath`.
    /// - Throws: `ImportError.unsafePath` for absolute paths, '..' components, or links that
    ///   resolve outside the folder; `ImportError.io` when the file does not exist.
    static func resolve(_ location: String, modelPath: String) throws -> String {
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.hasPrefix("\\"), !location.contains("\0"),
              !parts.contains(where: { $0 == ".." }), !location.contains("\\..") else {
            throw ImportError.unsafePath(file: modelPath, path: location)
        }
        let folder = URL(fileURLWithPath: modelPath).deletingLastPathComponent()
        let candidate = folder.appendingPathComponent(location)
        guard FileManager.default.fileExists(atPath: candidate.path) else {
            throw ImportError.io(file: modelPath, message: "external data file '\(location)' not found next to the model")
        }
        let realFolder = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let real = candidate.resolvingSymlinksInPath().standardizedFileURL.path
        let prefix = realFolder.hasSuffix("/") ? realFolder : realFolder + "/"
        guard real.hasPrefix(prefix) else { throw ImportError.unsafePath(file: modelPath, path: location) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir), !isDir.boolValue else {
            throw ImportError.io(file: modelPath, message: "external data '\(location)' is not a regular file")
        }
        return real
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
