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
        // --help / --version exit 0; anything else while parsing is a usage error.
        do { command = try parseAsRoot() } catch { fail(error, fullMessage(for: error), code: 2) }
        do {
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch let e as ValidationError {
            fail(e, "error: \(e.message)", code: 2)
        } catch let e as ValidationThresholdError {
            fail(e, e.description, code: 3)
        } catch {
            // `clipz CMD --help` arrives here as a help request thrown by the parsed command.
            fail(error, "error: \(error)", code: 1)
        }
    }

    /// Prints a help or version request to stdout and exits 0; prints `message` to stderr and exits `code` otherwise.
    static func fail(_ error: Error, _ message: String, code: Int32) -> Never {
        if exitCode(for: error) == .success { print(fullMessage(for: error)); Foundation.exit(0) }
        Output.info(message)
        Foundation.exit(code)
    }
}
