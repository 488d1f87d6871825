import ClipzCore

/// Derives a `ModelConfig` from tensor shapes when no config file is available. Everything except
/// the head count, the activation and the pooling rule is visible in the shapes; those three are
/// guessed (width / 64 heads, QuickGELU, argmax pooling, as in OpenAI CLIP) and the guesses are
/// returned as notes for the provenance record.
enum ConfigInference {
    static func infer(scheme: NamingScheme, stored: [String: SourceTensor], sourceLabel: String) throws -> (ModelConfig, [String]) {
        if let hf = scheme as? HFNaming, hf.isSigLIP {
            throw ImportError.config(file: sourceLabel, detail: "a SigLIP checkpoint needs its config.json (head count, eps, pad id are not in the tensors); "
                + "put it beside the weights or pass --config")
        }
        func shape(_ canonical: String) throws -> [Int] {
            guard let ref = scheme.locate(canonical), let t = stored[ref.name], let s = ref.layout.canonicalShape(of: t.shape) else {
                throw ImportError.config(file: sourceLabel, detail: "cannot infer the config: no usable tensor for '\(canonical)' (\(scheme.id) naming)")
            }
            return s
        }
        func dims(_ canonical: String, rank: Int) throws -> [Int] {
            let s = try shape(canonical)
            guard s.count == rank, s.allSatisfy({ $0 > 0 }) else {
                throw ImportError.config(file: sourceLabel, detail: "cannot infer the config: '\(canonical)' has shape \(s)")
            }
            return s
        }
        func layers(_ tower: CanonicalName.Tower) -> Int {
            var n = 0
            while n < 1024, let ref = scheme.locate(CanonicalName.layer(tower, n, "ln1.weight")), stored[ref.name] != nil { n += 1 }
            return n
        }
        func present(_ canonical: String) -> Bool { scheme.locate(canonical).map { stored[$0.name] != nil } ?? false }
        func heads(_ tower: CanonicalName.Tower, _ w: Int) throws -> Int {
            guard w % 64 == 0 || w < 64 else {
                throw ImportError.config(file: sourceLabel, detail: "\(tower.rawValue) width \(w) is not a multiple of 64, so the head count cannot be guessed")
            }
            return max(1, w / 64)
        }
        // A single tower (an image or a text encoder alone) infers only the tower it holds.
        var vision: VisionConfig?, text: TextConfig?, embedDim = 0
        if present(CanonicalName.patchEmbed) || !present(CanonicalName.tokenEmbed) {
            let patch = try dims(CanonicalName.patchEmbed, rank: 4)
            let vpos = try dims(CanonicalName.visionPos, rank: 2)
            let vw = patch[0], p = patch[2]
            var grid = 0
            while (grid + 1) * (grid + 1) <= vpos[0] - 1 { grid += 1 }
            guard grid > 0, grid * grid + 1 == vpos[0] else {
                throw ImportError.config(file: sourceLabel, detail: "vision position embedding has \(vpos[0]) rows, not grid² + 1")
            }
            let vl = layers(.vision)
            let vm = vl > 0 ? try dims(CanonicalName.layer(.vision, 0, "mlp.fc1.weight"), rank: 2)[0] : 4 * vw
            vision = VisionConfig(imageSize: grid * p, patchSize: p, width: vw, layers: vl, heads: try heads(.vision, vw), mlpDim: vm)
            embedDim = try dims(CanonicalName.visionProj, rank: 2)[0]
        }
        if present(CanonicalName.tokenEmbed) {
            let tok = try dims(CanonicalName.tokenEmbed, rank: 2)
            let tpos = try dims(CanonicalName.textPos, rank: 2)
            let tw = tok[1], tl = layers(.text)
            let tm = tl > 0 ? try dims(CanonicalName.layer(.text, 0, "mlp.fc1.weight"), rank: 2)[0] : 4 * tw
            text = TextConfig(contextLength: tpos[0], vocabSize: tok[0], width: tw, layers: tl, heads: try heads(.text, tw), mlpDim: tm)
            if vision == nil { embedDim = try dims(CanonicalName.textProj, rank: 2)[0] }
        }
        let config = ModelConfig(vision: vision, text: text, embedDim: embedDim)
        let guessed = [vision.map { "vision \($0.heads)" }, text.map { "text \($0.heads)" }].compactMap { $0 }.joined(separator: ", ")
        let notes = [
            "config inferred from tensor shapes (no config file): heads guessed as width/64 (\(guessed)), "
                + "activation quick_gelu, text pooling argmax_id, layer_norm_eps 1e-5; pass --config to set them",
        ]
        return (config, notes)
    }
}
