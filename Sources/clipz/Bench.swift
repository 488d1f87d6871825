import ArgumentParser

// Placeholder: being written (see issues). Replaced by the real command.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not implemented yet)", shouldDisplay: false)
    func run() throws { throw CommandError("clipz bench is not implemented yet") }
}
