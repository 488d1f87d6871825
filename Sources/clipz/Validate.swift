import ArgumentParser

// Placeholder: being written (see issues). Replaced by the real command.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not implemented yet)", shouldDisplay: false)
    func run() throws { throw CommandError("clipz validate is not implemented yet") }
}
