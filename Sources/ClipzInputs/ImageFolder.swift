import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one walk over image folders: `clipz embed --images`, `validate --images`, `calibrate --images`
/// (recursive) and the class folders of a dataset all list files here.
public enum ImageFolder {
    /// Most images one folder (or dataset, or list) may hold.
    public static let maxImages = 1_000_000
    /// Deepest folder nesting a recursive walk enters.
    public static let maxDepth = 32

    /// True for the image files Clipz reads: `.png`, `.jpg`, `.jpeg` (any case), not hidden.
    public static func isImageFile(_ name: String) -> Bool {
        let l = name.lowercased()
        return !name.hasPrefix(".") && (l.hasSuffix(".png") || l.hasSuffix(".jpg") || l.hasSuffix(".jpeg"))
    }

    /// Image files in `dir`, each folder's entries sorted by name; with `recursive`, sub-folders too,
    /// depth first. Hidden entries and symbolic links to folders are skipped (no cycles).
    /// - Throws: `InputError.unreadable` when `dir` cannot be listed, `.tooMany` beyond `limit`,
    ///   `.empty` when no image is found.
    public static func files(in dir: String, recursive: Bool = false, limit: Int = maxImages) throws -> [String] {
        var out: [String] = []
        try walk(dir, depth: 0, recursive: recursive, root: dir, limit: limit, into: &out)
        guard !out.isEmpty else {
            throw InputError.empty(path: dir, what: ".png/.jpg images" + (recursive ? " (searched recursively)" : ""))
        }
        return out
    }

    /// Visible entries of `dir` sorted by name, with whether each is a folder (or a link to one) and a link.
    static func entries(_ dir: String) throws -> [(name: String, isFolder: Bool, isLink: Bool)] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw InputError.unreadable(path: dir, reason: "cannot list the folder")
        }
        return names.sorted().filter { !$0.hasPrefix(".") }.map { name in
            var s = stat(), l = stat()
            let isFolder = stat(dir + "/" + name, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
            let isLink = lstat(dir + "/" + name, &l) == 0 && (l.st_mode & S_IFMT) == S_IFLNK
            return (name, isFolder, isLink)
        }
    }

    private static func walk(_ dir: String, depth: Int, recursive: Bool, root: String, limit: Int,
                             into out: inout [String]) throws {
        for e in try entries(dir) {
            let path = dir + "/" + e.name
            if e.isFolder {
                if recursive && !e.isLink && depth < maxDepth {
                    try walk(path, depth: depth + 1, recursive: true, root: root, limit: limit, into: &out)
                }
            } else if isImageFile(e.name) {
                out.append(path)
                if out.count > limit { throw InputError.tooMany(path: root, what: "images", limit: limit) }
            }
        }
    }
}

/// A labelled image folder: DIR/<class>/*.{png,jpg,jpeg}; class names are folder names with `_` → space.
public struct ImageDataset: Sendable {
    public var classes: [String]
    public var images: [(path: String, label: Int)]

    /// Class folders in name order, images in name order within each; folders without images are skipped.
    /// - Throws: `InputError` naming `dir` when it cannot be listed, holds fewer than two classes or too many images.
    public static func scan(_ dir: String) throws -> ImageDataset {
        var classes: [String] = [], images: [(path: String, label: Int)] = []
        for e in try ImageFolder.entries(dir) where e.isFolder {
            let sub = dir + "/" + e.name
            let files = ((try? ImageFolder.entries(sub)) ?? []).filter { !$0.isFolder && ImageFolder.isImageFile($0.name) }
            guard !files.isEmpty else { continue }
            let label = classes.count
            classes.append(e.name.replacingOccurrences(of: "_", with: " "))
            for f in files { images.append((sub + "/" + f.name, label)) }
            if images.count > ImageFolder.maxImages {
                throw InputError.tooMany(path: dir, what: "images", limit: ImageFolder.maxImages)
            }
        }
        guard classes.count >= 2 else {
            throw InputError.empty(path: dir, what: "dataset: expected at least two class folders with .png/.jpg images, "
                                   + "found \(classes.count)")
        }
        return ImageDataset(classes: classes, images: images)
    }
}
