import ArgumentParser
import ClipzCore
import Foundation

/// Root command. Exit codes: 0 success, 1 bad input or failed operation, 2 usage error,
/// 3 `validate` outside its thresholds.
@main
struct Clipz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clipz",
        abstract: "Convert CLIP checkpoints to compact .clipz files, quantize them, and run them on CPU.",
        discussion: """
            Typical flow:
              clipz convert model.onnx -o model.clipz
              clipz quantize model.clipz -o model-int8.clipz --type int8
              clipz embed model-int8.clipz --text "a photo of a cat"

            Exit codes: 0 success, 1 input or runtime error, 2 usage error, 3 validation below thresholds.
            """,
        version: clipzVersion,
        subcommands: [Convert.self, Inspect.self, Calibrate.self, Quantize.self, Tokenize.self, Preprocess.self, Embed.self, Classify.self, Validate.self, Bench.self, System.self, Synthesize.self])

    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // --help / --version exit 0; anything else while parsing is a usage error.
            let code = exitCode(for: error)
            if code == .success { print(fullMessage(for: error)); Foundation.exit(0) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch let e as ValidationError {
            FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
            Foundation.exit(2)
        } catch let e as ValidationThresholdError {
            FileHandle.standardError.write(Data("\(e.description)\n".utf8))
            Foundation.exit(3)
        } catch {
            // `clipz CMD --help` arrives here as a help request thrown by the parsed command.
            if exitCode(for: error) == .success { print(fullMessage(for: error)); Foundation.exit(0) }
            FileHandle.standardError.write(Data("error: \(describe(error))\n".utf8))
            Foundation.exit(1)
        }
    }

    static func describe(_ error: Error) -> String {
        String(describing: error)
    }
}
