import ClipzCore
import Foundation

/// Image preprocessing from a Hugging Face `preprocessor_config.json` (CLIPImageProcessor, which
/// starts its centre crop at `int((size - crop) / 2)`).
enum HFPreprocessor {
    /// - Parameter patchSize: given when the image size is only known as grid × patch (an ONNX graph): then any
    ///   crop with the same patch grid fits (the patch convolution leaves the last pixels unread).
    static func read(path: String, imageSize: Int, patchSize: Int? = nil) throws -> Preprocessing {
        let j = try DumpPaths.jsonObject(at: path)
        var out = Preprocessing(resizeShortest: imageSize, cropSize: imageSize, cropOffset: .floor)
        if let m = j["image_mean"] as? [NSNumber] {
            guard m.count == 3 else { throw ImportError.unsupported(file: path, detail: "image_mean with \(m.count) channels") }
            out.mean = m.map(\.doubleValue)
        }
        if let s = j["image_std"] as? [NSNumber] {
            guard s.count == 3, s.allSatisfy({ $0.doubleValue > 0 }) else { throw ImportError.unsupported(file: path, detail: "image_std \(s)") }
            out.std = s.map(\.doubleValue)
        }
        // "size": {"shortest_edge": N} (current) or a bare int (old processors); {"height": H, "width": W}
        // without a centre crop is SigLIP's processor: straight to H × W.
        if let n = (j["size"] as? [String: Any])?["shortest_edge"] as? Int ?? j["size"] as? Int { out.resizeShortest = n }
        if let size = j["size"] as? [String: Any], let h = size["height"] as? Int, let w = size["width"] as? Int,
           j["crop_size"] == nil || (j["do_center_crop"] as? Bool) == false {
            guard h == w else { throw ImportError.unsupported(file: path, detail: "non-square resize \(h)x\(w)") }
            out.resize = .square
            out.resizeShortest = h
            out.cropSize = h
            out.cropOffset = .round
        }
        if let c = j["crop_size"] as? [String: Any], let h = c["height"] as? Int, let w = c["width"] as? Int {
            guard h == w else { throw ImportError.unsupported(file: path, detail: "non-square crop \(h)x\(w)") }
            out.cropSize = h
        } else if let c = j["crop_size"] as? Int {
            out.cropSize = c
        }
        // PIL resample codes: 2 = bilinear, 3 = bicubic.
        switch j["resample"] as? Int {
        case nil, 3?: out.resample = "bicubic"
        case 2?: out.resample = "bilinear"
        case let r?: throw ImportError.unsupported(file: path, detail: "resample mode \(r) (supported: 2 bilinear, 3 bicubic)")
        }
        let sameGrid = patchSize.map { $0 > 0 && out.cropSize / $0 == imageSize / $0 } ?? false
        guard out.cropSize == imageSize || sameGrid, out.resizeShortest >= out.cropSize else {
            throw ImportError.config(file: path, detail: "crop \(out.cropSize) / resize \(out.resizeShortest) do not fit the model's image size \(imageSize)")
        }
        return out
    }
}
