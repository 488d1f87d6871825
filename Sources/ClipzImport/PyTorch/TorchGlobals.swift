/// The only module-level names a checkpoint's pickle may refer to, and what Clipz does for each.
/// Everything here is data: a name maps to a Swift handler or to an opaque marker; nothing is looked
/// up in Python, imported or run. Any other name is refused with its name in the message.
enum TorchGlobals {
    /// torch storage class → element type (torch.save names typed storages even in torch 2.x).
    static let storageTypes: [String: SourceDType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ByteStorage": .u8, "CharStorage": .i8, "BoolStorage": .u8,
    ]

    /// Callables REDUCE may apply (Clipz's own handlers below).
    static let callables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch._tensor._rebuild_from_type_v2",
        "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_floatlist",
        "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_tensor_from_id", "builtins.set", "builtins.frozenset",
    ]

    /// Classes that only appear as markers (the `new_type` of `_rebuild_from_type_v2`).
    static let markers: Set<String> = ["torch.nn.parameter.Parameter", "torch.Tensor", "torch._tensor.Tensor"]

    static func resolve(module: String, name: String, file: String) throws -> PickleValue {
        let full = module + "." + name
        if module == "torch", storageTypes[name] != nil { return .global(module: module, name: name) }
        if callables.contains(full) || markers.contains(full) { return .global(module: module, name: name) }
        // TorchScript archives pickle their module tree as objects of generated classes; they only ever
        // receive attributes (BUILD), so they are safe to keep as plain attribute bags.
        if module.hasPrefix("__torch__.") || module == "__torch__" { return .global(module: module, name: name) }
        throw ImportError.unsafePickle(file: file, global: full)
    }

    /// REDUCE: callable(*args) for the allowed callables.
    static func call(_ callable: PickleValue, args: PickleValue, file: String) throws -> PickleValue {
        guard case let .global(module, name) = callable else {
            throw ImportError.malformed(file: file, detail: "pickle: REDUCE applies something that is not a named callable")
        }
        let a = args.items ?? []
        func bad(_ what: String) -> ImportError { .malformed(file: file, detail: "pickle: \(module).\(name) called with \(what)") }
        switch module + "." + name {
        case "collections.OrderedDict":
            return .dict(PickleDict())
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard a.count >= 4, case let .storage(storage) = a[0], let offset = a[1].int,
                  let shape = a[2].items?.compactMap(\.int), let stride = a[3].items?.compactMap(\.int),
                  shape.count == a[2].items?.count, stride.count == a[3].items?.count
            else { throw bad("arguments that are not (storage, offset, size, stride, …)") }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, shape: shape, stride: stride))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let t = a.first, case .tensor = t else { throw bad("no tensor") }
            return t
        case "torch._tensor._rebuild_from_type_v2":
            // (func, new_type, args, state): the tensor is func(*args); the subclass is dropped.
            guard a.count >= 3 else { throw bad("fewer than 3 arguments") }
            return try call(a[0], args: a[2], file: file)
        case "torch.jit._pickle.restore_type_tag":
            guard let v = a.first else { throw bad("no value") }
            return v
        case "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_floatlist", "torch.jit._pickle.build_boollist",
             "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_tensorlist":
            guard let v = a.first else { throw bad("no list") }
            return v
        case "builtins.set", "builtins.frozenset":
            return .list(PickleList(a.first?.items ?? []))
        default:
            throw ImportError.unsafePickle(file: file, global: module + "." + name)
        }
    }

    /// NEWOBJ: cls.__new__(cls, *args) — only TorchScript's generated module classes, as attribute bags.
    static func instantiate(_ cls: PickleValue, args: PickleValue, file: String) throws -> PickleValue {
        guard case let .global(module, name) = cls, module.hasPrefix("__torch__") else {
            if case let .global(module, name) = cls { throw ImportError.unsafePickle(file: file, global: module + "." + name) }
            throw ImportError.malformed(file: file, detail: "pickle: NEWOBJ on something that is not a class")
        }
        return .object(PickleObject(module: module, name: name))
    }

    /// BUILD: sets the state of an object or a dict; ignored for tensors (hooks, requires_grad).
    static func build(_ target: PickleValue, state: PickleValue, file: String) throws {
        let pairs: [(String, PickleValue)]
        switch state {
        case let .dict(d): pairs = d.entries.compactMap { e in e.key.string.map { ($0, e.value) } }
        case let .tuple(t) where t.items.count == 2:
            // (dict state, slots state): either may be None.
            var all: [(String, PickleValue)] = []
            for case let .dict(d) in t.items { all += d.entries.compactMap { e in e.key.string.map { ($0, e.value) } } }
            pairs = all
        default: pairs = []  // None, or a state Clipz has no use for
        }
        switch target {
        case let .object(o): o.attributes += pairs
        case let .dict(d): d.attributes += pairs
        case .tensor, .list, .global: break
        default: throw ImportError.malformed(file: file, detail: "pickle: BUILD on a plain value")
        }
    }

    /// BINPERSID: torch's ('storage', storage_type, key, location, numel) names a storage in the archive.
    static func persistent(_ pid: PickleValue, file: String) throws -> PickleValue {
        guard let t = pid.items, t.count >= 5, t[0].string == "storage",
              case let .global(module, typeName) = t[1], let key = t[2].string, let count = t[4].int else {
            throw ImportError.malformed(file: file, detail: "pickle: persistent id is not a torch storage reference")
        }
        guard module == "torch", let dtype = storageTypes[typeName] else {
            throw ImportError.unsupported(file: file, detail: "storage type \(module).\(typeName) (Clipz reads float, half, bfloat16, double and integer storages)")
        }
        guard count >= 0, !key.isEmpty, key.count <= 64, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ImportError.malformed(file: file, detail: "pickle: storage key '\(key.prefix(64))' or size \(count) is invalid")
        }
        return .storage(TorchStorageRef(key: key, dtype: dtype, count: count))
    }
}
