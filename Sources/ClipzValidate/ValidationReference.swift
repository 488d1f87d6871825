import ClipzCore
import ClipzImport
import ClipzInputs
import ClipzRuntime
import Foundation

/// What the candidate is compared against.
public enum ValidationReference: @unchecked Sendable {
    /// A model run on the same inputs (a `.clipz`, or a source converted in memory).
    case model(CLIPModel, name: String, bytes: Int?)
    /// Embeddings [N, D] computed elsewhere (e.g. by PyTorch or ONNX Runtime) for the same inputs in the same order.
    case embeddings(image: [Float]?, text: [Float]?, name: String)

    public var name: String {
        switch self { case .model(_, let n, _), .embeddings(_, _, let n): return n }
    }

    /// Loads a `.clipz` (recognised by its magic bytes) or converts any source `clipz convert` accepts, in memory.
    /// - Parameter paths: one file or folder, or two ONNX tower graphs.
    public static func load(paths: [String], options: SourceImporter.Options = .init()) throws -> ValidationReference {
        guard let first = paths.first else { throw InputError.badInput("no reference given") }
        let name = paths.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
        if paths.count == 1, isClipz(first) {
            return .model(try CLIPModel(path: first), name: name, bytes: diskBytes(first))
        }
        let (source, _) = try SourceImporter.load(paths: paths, options: options)
        let total = paths.reduce(0) { $0 + diskBytes($1) }
        return .model(try CLIPModel(source: source), name: name, bytes: total)
    }

    /// Reads stored embeddings: `IMG.npy`, `IMG.npy,TXT.npy`, or one `.npz` holding `image_embeds` and/or `text_embeds`.
    /// An empty name skips that tower (`,TXT.npy` compares texts only).
    public static func loadEmbeddings(_ spec: String, embedDim: Int) throws -> ValidationReference {
        func matrix(_ t: Tensor, _ what: String) throws -> [Float] {
            guard t.dtype.isFloat, t.shape.count == 2, t.shape[0] >= 1, t.shape[1] == embedDim else {
                throw InputError.badInput("\(what): expected float [N, \(embedDim)] embeddings, got \(t.dtype.rawValue) \(t.shape)")
            }
            return t.floats()
        }
        if spec.lowercased().hasSuffix(".npz") {
            let all = try NumpyFiles.readNPZ(spec)
            let img = try all["image_embeds"].map { try matrix($0, spec + ":image_embeds") }
            let txt = try all["text_embeds"].map { try matrix($0, spec + ":text_embeds") }
            guard img != nil || txt != nil else { throw InputError.badInput("\(spec): no image_embeds or text_embeds array") }
            return .embeddings(image: img, text: txt, name: URL(fileURLWithPath: spec).lastPathComponent)
        }
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, parts.contains(where: { !$0.isEmpty }) else { throw InputError.badInput("--reference-embeddings takes IMG.npy[,TXT.npy] or one .npz") }
        let img = parts[0].isEmpty ? nil : try matrix(try NumpyFiles.readNPY(parts[0]), parts[0])
        let txt = parts.count < 2 || parts[1].isEmpty ? nil : try matrix(try NumpyFiles.readNPY(parts[1]), parts[1])
        return .embeddings(image: img, text: txt, name: parts.filter { !$0.isEmpty }.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + "))
    }

    /// True when the file starts with the `.clipz` magic ("\x89CLIPZ").
    public static func isClipz(_ path: String) -> Bool {
        guard let file = try? InputFile(path: path), file.size >= 6 else { return false }
        return (try? file.read(at: 0, count: 6)) == [0x89, 0x43, 0x4C, 0x49, 0x50, 0x5A]
    }

    /// Size of a file, or of every regular file under a folder.
    public static func diskBytes(_ path: String) -> Int {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        if !isDir.boolValue { return (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        var total = 0
        let e = fm.enumerator(atPath: path)
        while let rel = e?.nextObject() as? String {
            if let a = try? fm.attributesOfItem(atPath: path + "/" + rel), a[.type] as? FileAttributeType == .typeRegular { total += (a[.size] as? Int) ?? 0 }
        }
        return total
    }
}
