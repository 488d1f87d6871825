/// A plain failure message for the user (exit code 1).
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
