// swift-tools-version:6.0
// Clipz: import CLIP checkpoints, quantize them, pack them into `.clipz`, run them on CPU.
// Dependencies point one way: C shims <- ClipzCore <- Format/Import/Text/Image/Quant <- Runtime <- Inputs <- Validate <- clipz.
import PackageDescription

// Reassociation lets reductions (dot products, sums) vectorize; NaN/Inf semantics are kept.
let optimize: [CSetting] = [.unsafeFlags(["-O3", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math"])]

let package = Package(
    name: "Clipz",
    products: [
        .executable(name: "clipz", targets: ["clipz"]),
        .library(name: "ClipzRuntime", targets: ["ClipzRuntime"]),
        .library(name: "ClipzFormat", targets: ["ClipzFormat"]),
        .library(name: "ClipzImport", targets: ["ClipzImport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: libzstd-dev, zlib1g-dev, libprotobuf-c-dev, libopenblas-dev, libpng-dev, libjpeg62-turbo-dev,
        // libsentencepiece-dev).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // zlib: raw DEFLATE and CRC-32 for .npz members (Sources/ClipzImport/Dumps/Zlib.swift).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CProtobufC", pkgConfig: "libprotobuf-c", providers: [.apt(["libprotobuf-c-dev"])]),
        // Our own C: checksums, CPU features, OpenBLAS loading with core selection, SIMD kernels.
        // OpenBLAS (libopenblas-dev) is dlopen'ed, not linked, so that OPENBLAS_CORETYPE can be chosen
        // before the library initialises (see Sources/CClipzKernels/blas.c).
        .target(name: "CClipzKernels", cSettings: optimize, linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("m")]),
        // libpng / libjpeg decoding shim.
        .target(name: "CClipzImage", cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // libsentencepiece shim (Debian: libsentencepiece-dev; C++, so g++ for the standard library headers): SigLIP tokenizers.
        .target(name: "CSentencePiece", cxxSettings: [.unsafeFlags(["-O2"])],
                linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("stdc++")]),
        // protobuf-c code generated from Formats/onnx.proto (Tools/gen_onnx_proto.sh).
        .target(name: "COnnxProto", dependencies: ["CProtobufC"]),

        // ClipzCore/Zstd.swift is the one Swift file that calls libzstd.
        .target(name: "ClipzCore", dependencies: ["CClipzKernels", "CZstd"]),
        .target(name: "ClipzFormat", dependencies: ["ClipzCore", "CClipzKernels"]),
        .target(name: "ClipzText", dependencies: ["ClipzCore", "CSentencePiece"], resources: [.copy("Resources")]),
        .target(name: "ClipzImage", dependencies: ["ClipzCore", "CClipzImage"]),
        .target(name: "ClipzImport", dependencies: ["ClipzCore", "ClipzFormat", "COnnxProto", "CProtobufC", "ClipzText", "CZlib"]),
        .target(name: "ClipzQuant", dependencies: ["ClipzCore", "ClipzFormat", "CClipzKernels"]),
        .target(name: "ClipzRuntime", dependencies: ["ClipzCore", "ClipzFormat", "ClipzText", "ClipzImage", "ClipzQuant", "CClipzKernels"]),
        // Everything a command reads as model input: image folders and lists, texts files, .npy arrays,
        // synthetic inputs, built-in prompts; streaming batches and the incremental .npy writer.
        .target(name: "ClipzInputs", dependencies: ["ClipzCore", "ClipzFormat", "ClipzImport", "ClipzRuntime"]),
        .target(name: "ClipzValidate", dependencies: ["ClipzRuntime", "ClipzImport", "ClipzInputs"]),
        .executableTarget(name: "clipz", dependencies: [
            "ClipzCore", "ClipzFormat", "ClipzImport", "ClipzQuant", "ClipzRuntime", "ClipzInputs", "ClipzValidate",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ClipzCoreTests", dependencies: ["ClipzCore"]),
        .testTarget(name: "ClipzFormatTests", dependencies: ["ClipzFormat"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClipzTextTests", dependencies: ["ClipzText"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClipzImageTests", dependencies: ["ClipzImage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClipzImportTests", dependencies: ["ClipzImport", "ClipzFormat", "CZlib"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClipzQuantTests", dependencies: ["ClipzQuant", "ClipzFormat", "ClipzCore"]),
        .testTarget(name: "ClipzRuntimeTests", dependencies: ["ClipzRuntime", "ClipzImport", "ClipzQuant", "ClipzInputs"]),
        .testTarget(name: "ClipzInputsTests", dependencies: ["ClipzInputs", "ClipzImport", "ClipzRuntime"]),
        .testTarget(name: "ClipzValidateTests", dependencies: ["ClipzValidate", "ClipzCore"]),
        .testTarget(name: "clipzTests", dependencies: ["clipz"], exclude: ["Snapshots"]),
    ]
)
