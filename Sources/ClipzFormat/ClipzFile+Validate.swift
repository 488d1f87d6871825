import ClipzCore

extension ClipzFile {
    /// Caps the header's size before its JSON is parsed (Formats/clipz.md, "Caps"): parse cost then
    /// stays proportional to a header that can be accepted.
    static func checkCensus(_ c: JSONCensus, path: String) throws {
        guard c.maxDepth <= FormatLimits.headerDepth else {
            throw FormatError.limit(path: path, what: "header JSON nesting depth", value: c.maxDepth, limit: FormatLimits.headerDepth)
        }
        let entries = FormatLimits.tensorCount + FormatLimits.headerMetadataObjects
        guard c.entries <= entries else {
            throw FormatError.limit(path: path, what: "tensor count (objects at depth 3 of the header, before parsing)",
                                    value: c.entries, limit: entries)
        }
        let values = FormatLimits.valuesPerTensor * c.entries + FormatLimits.headerMetadataValues
        guard c.values <= values else {
            let what = "header JSON values (before parsing; \(FormatLimits.valuesPerTensor) per tensor entry + \(FormatLimits.headerMetadataValues))"
            throw FormatError.limit(path: path, what: what, value: c.values, limit: values)
        }
    }

    /// Refuses tensors the header's config does not account for, and canonical tensors whose shape
    /// disagrees with it (the rule `convert` applies, `CanonicalName.checkAccounted`).
    static func checkAccounted(_ header: FileHeader, path: String, offset: Int) throws {
        do {
            try CanonicalName.checkAccounted(header.tensors.map { ($0.name, $0.shape) }, config: header.metadata.config, requireAll: false)
        } catch let e as CoreError {
            throw FormatError.corrupt(path: path, detail: "header: \(e)", offset: offset)
        }
    }

    /// Checks the tensor table against the caps and layout rules before anything is loaded.
    static func validate(_ entries: [TensorEntry], path: String, payloadEnd: Int) throws {
        guard entries.count <= FormatLimits.tensorCount else {
            throw FormatError.limit(path: path, what: "tensor count", value: entries.count, limit: FormatLimits.tensorCount)
        }
        var names = Set<String>()
        var ranges: [(Int, Int, String)] = []
        for e in entries {
            func bad(_ d: String, _ off: Int? = nil) -> FormatError { .corrupt(path: path, detail: "tensor '\(e.name)': \(d)", offset: off) }
            guard !e.name.isEmpty, e.name.utf8.count <= FormatLimits.nameBytes else { throw bad("name length \(e.name.utf8.count) outside 1...\(FormatLimits.nameBytes)") }
            guard names.insert(e.name).inserted else { throw bad("duplicate name") }
            guard e.shape.count <= FormatLimits.rank else { throw FormatError.limit(path: path, what: "rank of '\(e.name)'", value: e.shape.count, limit: FormatLimits.rank) }
            for d in e.shape where d < 0 || d > FormatLimits.dimension {
                throw FormatError.limit(path: path, what: "dimension of '\(e.name)'", value: d, limit: FormatLimits.dimension)
            }
            guard e.rawBytes >= 0, e.rawBytes <= FormatLimits.tensorBytes else {
                throw FormatError.limit(path: path, what: "raw bytes of '\(e.name)'", value: e.rawBytes, limit: FormatLimits.tensorBytes)
            }
            if let dtype = e.knownDType {
                guard let n = Checked.elementCount(e.shape), let b = Checked.mul(n, dtype.size), b == e.rawBytes else {
                    throw bad("raw_bytes \(e.rawBytes) does not equal shape \(e.shape) × \(e.dtype)")
                }
            }
            guard e.storedBytes >= 0, e.offset >= Preamble.size, e.offset % FormatLimits.alignment == 0,
                  let end = Checked.add(e.offset, e.storedBytes), end <= payloadEnd else {
                throw bad("payload [\(e.offset), +\(e.storedBytes)) is not a 64-aligned range inside the payload region [64, \(payloadEnd))", e.offset)
            }
            switch Encoding(rawValue: e.encoding) {
            case .raw?:
                guard e.storedBytes == e.rawBytes else { throw bad("raw encoding with stored_bytes \(e.storedBytes) ≠ raw_bytes \(e.rawBytes)", e.offset) }
            case .zstd?, .zstdBytePlanes?:
                guard e.rawBytes <= Zstd.maxDecodedBytes(stored: e.storedBytes) else {
                    let limit = "the \(Zstd.maxRatio)× (+ \(Zstd.ratioSlack)) expansion readers accept from zstd"
                    throw bad("raw_bytes \(e.rawBytes) from stored_bytes \(e.storedBytes) is more than \(limit)", e.offset)
                }
                guard e.storedBytes <= e.rawBytes + e.rawBytes / 128 + 1024 else {
                    throw bad("stored_bytes \(e.storedBytes) impossible for raw_bytes \(e.rawBytes) under zstd", e.offset)
                }
            case nil: break // unknown encoding: fails when loaded
            }
            if e.storedBytes > 0 { ranges.append((e.offset, e.storedBytes, e.name)) }
        }
        ranges.sort { $0.0 < $1.0 }
        for i in ranges.indices.dropFirst() where ranges[i - 1].0 + ranges[i - 1].1 > ranges[i].0 {
            throw FormatError.corrupt(path: path, detail: "payloads of '\(ranges[i - 1].2)' and '\(ranges[i].2)' overlap", offset: ranges[i].0)
        }
    }
}
