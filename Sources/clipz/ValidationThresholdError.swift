/// Raised by `validate` when the candidate is outside the thresholds (exit code 3).
struct ValidationThresholdError: Error, CustomStringConvertible {
    var description: String
}
