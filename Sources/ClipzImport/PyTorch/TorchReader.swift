import ClipzCore

/// Reads the tensors of a PyTorch checkpoint without Python: torch.save's zip format
/// (`<archive>/data.pkl`, `<archive>/data/<key>` storages, `<archive>/byteorder`), which is what
/// `pytorch_model.bin`, `open_clip_pytorch_model.bin` and plain `.pt` files are, and TorchScript
/// archives such as OpenAI's `ViT-B-32.pt` (same layout plus `code/` and `constants.pkl`). The pickle
/// goes through `Unpickler`, which runs nothing. Tensors stay on disk: each is a range of its
/// storage member (copied through a gather only when its strides are not contiguous).
enum TorchReader {
    /// Largest `data.pkl` read (a CLIP state dict's is well under 1 MB; ViT-bigG's about 200 kB).
    static let maxPickleBytes = 64 << 20

    static func read(path: String) throws -> [SourceTensor] {
        let r = try FileReader(path: path)
        let head = try r.read(at: 0, count: min(4, r.size), what: "header")
        if head.starts(with: [0x80, 0x02]) {
            throw ImportError.unsupported(file: path, detail: "the legacy (pre-1.6, non-zip) torch.save format; re-save it with a current torch: "
                + "torch.save(torch.load(PATH, weights_only=True), NEW_PATH)")
        }
        guard head == [0x50, 0x4B, 0x03, 0x04] else {
            throw ImportError.malformed(file: path, detail: "not a PyTorch checkpoint (no zip signature)")
        }
        let members = try ZipReader.members(path: path)
        let byName = Dictionary(members.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard let pkl = members.first(where: { isTopLevel($0.name, "data.pkl") }) else {
            throw ImportError.malformed(file: path, detail: "zip archive without <archive>/data.pkl: not a torch.save or TorchScript file")
        }
        let prefix = String(pkl.name.dropLast("data.pkl".count))
        if let order = byName[prefix + "byteorder"] {
            let text = String(decoding: try memberBytes(r, order, cap: 16), as: UTF8.self)
            guard text == "little" else { throw ImportError.unsupported(file: path, detail: "byte order '\(text.prefix(16))' (Clipz reads little-endian checkpoints)") }
        }
        guard pkl.size <= maxPickleBytes else {
            throw ImportError.limitExceeded(file: path, what: "size of \(pkl.name)", value: pkl.size, limit: maxPickleBytes)
        }
        let named = try Unpickler.load(try memberBytes(r, pkl, cap: maxPickleBytes), file: path) {
            try TorchStateDict.tensors(in: $0, file: path)
        }
        guard !named.isEmpty else { throw ImportError.malformed(file: path, detail: "the checkpoint holds no tensors") }
        var checked = Set<String>()
        return try named.map { name, ref in
            guard let m = byName[prefix + "data/" + ref.storage.key] else {
                throw ImportError.malformed(file: path, detail: "tensor '\(name)': storage '\(ref.storage.key)' is not in the archive")
            }
            guard m.method == 0 else { throw ImportError.unsupported(file: path, detail: "storage '\(m.name)' is compressed (torch writes them stored)") }
            if checked.insert(m.name).inserted {
                let crc = try Zlib.crc32(r, offset: m.dataOffset, count: m.size, what: "member '\(m.name)'")
                try Zlib.check(crc: crc, expected: m.crc32, member: m.name, file: path, offset: m.dataOffset)
            }
            return try tensor(name: name, ref: ref, member: m, file: path)
        }
    }

    /// `<archive>/<leaf>` (exactly one folder level).
    static func isTopLevel(_ name: String, _ leaf: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[1] == leaf && !parts[0].isEmpty
    }

    static func memberBytes(_ r: FileReader, _ m: ZipReader.Member, cap: Int) throws -> [UInt8] {
        guard m.method == 0, m.size <= cap else {
            throw ImportError.unsupported(file: r.path, detail: "member '\(m.name)' is compressed or larger than \(cap) bytes")
        }
        let bytes = try r.read(at: m.dataOffset, count: m.size, what: "member '\(m.name)'")
        try Zlib.check(crc: bytes.withUnsafeBytes { Zlib.crc32($0) }, expected: m.crc32, member: m.name, file: r.path, offset: m.dataOffset)
        return bytes
    }

    /// The view `ref` of storage member `m` as a lazily read tensor; the view must lie inside the storage.
    static func tensor(name: String, ref: TorchTensorRef, member m: ZipReader.Member, file: String) throws -> SourceTensor {
        let dtype = ref.storage.dtype, size = dtype.size
        func bad(_ d: String) -> ImportError { .malformed(file: file, detail: "tensor '\(name)': \(d)") }
        guard ref.shape.count == ref.stride.count, ref.offset >= 0, ref.shape.allSatisfy({ $0 >= 0 }), ref.stride.allSatisfy({ $0 >= 0 }) else {
            throw bad("shape \(ref.shape), stride \(ref.stride) and offset \(ref.offset) do not describe a view")
        }
        guard let storageBytes = Checked.mul(ref.storage.count, size), storageBytes <= m.size else {
            throw bad("storage '\(ref.storage.key)' claims \(ref.storage.count) elements, its member holds \(m.size) bytes")
        }
        let elements = Checked.elementCount(ref.shape) ?? -1
        guard elements >= 0 else { throw bad("invalid shape \(ref.shape)") }
        // Last element the view touches: offset + Σ (dim − 1) · stride.
        var last = ref.offset
        for (d, s) in zip(ref.shape, ref.stride) where d > 0 {
            guard let step = Checked.mul(d - 1, s), let next = Checked.add(last, step) else { throw bad("view overflows") }
            last = next
        }
        guard elements == 0 || last < ref.storage.count else {
            throw bad("view reaches element \(last) of a storage of \(ref.storage.count)")
        }
        guard let start = Checked.add(m.dataOffset, ref.offset * size) else { throw bad("offset overflows") }
        if isContiguous(shape: ref.shape, stride: ref.stride) || elements <= 1 {
            return try SourceTensor(name: name, dtype: dtype, shape: ref.shape, file: file, storage: .file(path: file, offset: start))
        }
        // Strided view: read the span it covers and gather the elements in row-major order.
        let span = (last - ref.offset + 1) * size
        let shape = ref.shape, stride = ref.stride
        return try SourceTensor(name: name, dtype: dtype, shape: shape, file: file, storage: .produced({
            let raw = try FileReader(path: file).read(at: start, count: span, what: "tensor '\(name)'")
            return gather(raw, shape: shape, stride: stride, size: size)
        }))
    }

    static func isContiguous(shape: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for (d, s) in zip(shape, stride).reversed() {
            if d != 1 && s != expected { return false }
            expected *= d
        }
        return true
    }

    /// Row-major copy of a strided view whose first element is at raw[0].
    static func gather(_ raw: [UInt8], shape: [Int], stride: [Int], size: Int) -> [UInt8] {
        let n = shape.reduce(1, *)
        var out = [UInt8](repeating: 0, count: n * size)
        var index = [Int](repeating: 0, count: shape.count)
        for i in 0..<n {
            var src = 0
            for (k, s) in zip(index, stride) { src += k * s }
            for b in 0..<size { out[i * size + b] = raw[src * size + b] }
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
