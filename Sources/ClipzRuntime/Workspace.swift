/// Reusable buffers for one forward pass, so the hot path does not allocate (fresh pages cost
/// page faults), and the number of threads the pass may use. One per model; calls on a model are
/// serialised by the model's lock, which sets `threads` for each call.
final class Workspace {
    /// Threads of the running forward pass (the caller's thread included).
    var threads = 1
    private var buffers: [String: UnsafeMutablePointer<Float>] = [:]
    private var sizes: [String: Int] = [:]

    /// A buffer of at least `count` floats (contents undefined).
    func get(_ key: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        if let p = buffers[key], sizes[key]! >= count { return p }
        buffers[key]?.deallocate()
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 16))
        buffers[key] = p; sizes[key] = max(count, 16)
        return p
    }

    deinit { for p in buffers.values { p.deallocate() } }
}
