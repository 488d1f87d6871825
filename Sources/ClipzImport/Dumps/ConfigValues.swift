import Foundation

/// Typed reads of a parsed config JSON object (HF `config.json`, open_clip model configs): a missing key
/// takes the library's default; a present one must have the right type.
struct ConfigValues {
    let file: String

    /// An integer (a JSON number without a fraction; not a string).
    func int(_ d: [String: Any], _ k: String, _ def: Int) throws -> Int {
        guard let x = d[k] else { return def }
        guard let n = x as? NSNumber, !(x is String), Double(n.intValue) == n.doubleValue else {
            throw ImportError.config(file: file, detail: "'\(k)' must be an integer, got \(x)")
        }
        return n.intValue
    }

    func double(_ d: [String: Any], _ k: String, _ def: Double) -> Double { (d[k] as? NSNumber)?.doubleValue ?? def }
}
