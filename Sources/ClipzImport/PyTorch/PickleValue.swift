import ClipzCore

/// A value rebuilt by `Unpickler`: plain data, opaque references to allowed globals, and the two torch
/// things a checkpoint holds (storages and tensors). Tuples, lists, dicts and objects are boxes
/// (reference semantics, as in Python: the stream mutates lists and dicts after memoising them), and
/// the unpickler empties every box it made when it is done, so that releasing a hostile, deeply nested
/// value never recurses.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleList)
    case list(PickleList)
    case dict(PickleDict)
    /// An object of an allowed class (TorchScript modules, `torch.nn.Parameter` wrappers): its attributes.
    case object(PickleObject)
    /// A module-level name the stream referred to with GLOBAL / STACK_GLOBAL (allowed ones only).
    case global(module: String, name: String)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    var int: Int? { if case let .int(v) = self { return v }; if case let .bool(b) = self { return b ? 1 : 0 }; return nil }
    var string: String? { if case let .string(s) = self { return s }; return nil }
    /// Elements of a tuple or list.
    var items: [PickleValue]? {
        switch self {
        case let .tuple(t): return t.items
        case let .list(l): return l.items
        default: return nil
        }
    }
}

final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// Keys kept in insertion order (state dicts are OrderedDicts; their order is the module order).
final class PickleDict {
    var entries: [(key: PickleValue, value: PickleValue)] = []
    /// Attributes set by BUILD on a dict (an OrderedDict's `_metadata`); never tensors of the model.
    var attributes: [(key: String, value: PickleValue)] = []
}

final class PickleObject {
    let module: String, name: String
    var attributes: [(key: String, value: PickleValue)] = []
    init(module: String, name: String) { self.module = module; self.name = name }
}

/// A torch storage named by a checkpoint's persistent id: its bytes are the archive member `data/<key>`.
struct TorchStorageRef: Equatable {
    var key: String
    var dtype: SourceDType
    /// Elements the storage holds, as the checkpoint states it (checked against the member's size).
    var count: Int
}

/// A tensor view on a storage: shape, strides (in elements) and offset, as `_rebuild_tensor_v2` takes them.
struct TorchTensorRef: Equatable {
    var storage: TorchStorageRef
    var offset: Int
    var shape: [Int]
    var stride: [Int]
}
