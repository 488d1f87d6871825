import ClipzCore

/// Where a canonical tensor comes from in a source naming scheme.
struct SourceRef: Equatable {
    var name: String
    var layout: LayoutFix
}

/// A checkpoint naming convention (Hugging Face, open_clip/OpenAI, or Clipz canonical names).
protocol NamingScheme {
    /// "hf", "open_clip" or "canonical"; used in the importer name.
    var id: String { get }
    /// The source tensor (and layout fix) for a canonical name, nil if the scheme has none.
    func locate(_ canonical: String) -> SourceRef?
    /// Source names the scheme knows to be irrelevant (buffers such as `position_ids`).
    func isIgnorable(_ source: String) -> Bool
}

enum Naming {
    /// Picks the scheme from the names present; tolerates one common prefix such as "model." or "module.".
    static func detect(_ names: Set<String>) -> NamingScheme? {
        if names.contains(CanonicalName.patchEmbed) { return CanonicalNaming() }
        for n in names.sorted() {
            if let anchor = [HFNaming.anchor, HFNaming.textAnchor].first(where: n.hasSuffix) {
                let prefix = String(n.dropLast(anchor.count))
                return HFNaming(prefix: prefix, isSigLIP: names.contains(prefix + HFNaming.siglipAnchor))
            }
            if n.hasSuffix(OpenCLIPSigLIPNaming.anchor) {
                return OpenCLIPSigLIPNaming(prefix: String(n.dropLast(OpenCLIPSigLIPNaming.anchor.count)), names: names)
            }
            if n.hasSuffix(OpenCLIPNaming.anchor) { return OpenCLIPNaming(prefix: String(n.dropLast(OpenCLIPNaming.anchor.count)), names: names) }
        }
        return nil
    }

    /// A layer parameter inside a source block whose q, k and v are packed by rows (q first) in one
    /// weight and one bias (`packed`), the other parameters under module paths (`modules`: canonical
    /// prefix → source prefix).
    static func inPackedBlock(_ block: String, _ param: String, packed: (weight: String, bias: String),
                              modules: [(String, String)]) -> SourceRef? {
        for (k, part) in [("attn.q.", 0), ("attn.k.", 1), ("attn.v.", 2)] where param.hasPrefix(k) {
            return SourceRef(name: block + (param.hasSuffix("weight") ? packed.weight : packed.bias), layout: .rows(part: part, of: 3))
        }
        for (c, o) in modules where param.hasPrefix(c) { return SourceRef(name: block + o + param.dropFirst(c.count), layout: .identity) }
        return nil
    }

    /// Splits "vision.layers.3.attn.q.weight" into (tower, 3, "attn.q.weight").
    static func splitLayer(_ canonical: String) -> (CanonicalName.Tower, Int, String)? {
        let parts = canonical.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[1] == "layers", let tower = CanonicalName.Tower(rawValue: parts[0]), let i = Int(parts[2]) else { return nil }
        return (tower, i, parts[3])
    }
}

/// Names that are already canonical (raw dumps and npz files written by Clipz tools).
struct CanonicalNaming: NamingScheme {
    var id: String { "canonical" }
    func locate(_ canonical: String) -> SourceRef? {
        SourceRef(name: canonical, layout: canonical == CanonicalName.logitScale ? .reshape : .identity)
    }
    func isIgnorable(_ source: String) -> Bool { source == CanonicalName.bpeMerges }
}
