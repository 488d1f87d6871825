import Foundation

/// A file bundled with ClipzText (under `Resources/`, or at the bundle's top level where the build
/// flattens it).
enum TextResource {
    /// The bytes of `name.ext`.
    /// - Throws: `TokenizerError.missingResource("name.ext")` when the bundle lacks it.
    static func data(_ name: String, _ ext: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: ext)
        else { throw TokenizerError.missingResource("\(name).\(ext)") }
        return try Data(contentsOf: url)
    }
}
