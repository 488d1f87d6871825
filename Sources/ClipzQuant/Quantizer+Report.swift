import Foundation

extension Quantizer {
    /// A layer kept on dynamic activations although a calibration was given, and why.
    public struct Fallback: Sendable, Equatable {
        public var name: String
        public var reason: String
    }

    /// What happened to each layer (filled while the output streams).
    public final class Report: @unchecked Sendable {
        public struct Row: Sendable {
            public var name: String
            public var kind: String
            public var weightError: Double
            /// Relative output error measured by the guard (static int8 candidates only).
            public var outputError: Double?
        }
        private let lock = NSLock()
        private var _rows: [Row] = []
        public var rows: [Row] {
            lock.lock()
            defer { lock.unlock() }
            return _rows
        }
        /// Sorted by name.
        public internal(set) var fallbacks: [Fallback] = []
        public internal(set) var notes: [String] = []

        func add(_ r: Row) {
            lock.lock()
            _rows.append(r)
            lock.unlock()
        }
    }
}
