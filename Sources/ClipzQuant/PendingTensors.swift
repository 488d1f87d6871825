import ClipzCore
import Foundation

/// Holds a tensor computed alongside another (scales next to int8 weights) until the writer asks for it.
final class PendingTensors: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String: Tensor] = [:]
    func put(_ t: Tensor) {
        lock.lock()
        items[t.name] = t
        lock.unlock()
    }
    func take(_ name: String) throws -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        guard let t = items.removeValue(forKey: name) else { throw CoreError.missingTensor(name) }
        return t
    }
}
