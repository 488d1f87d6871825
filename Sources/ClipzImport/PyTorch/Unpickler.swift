import ClipzCore

/// A restricted pickle reader for PyTorch checkpoints (`data.pkl` of torch.save's zip format and of
/// TorchScript archives). It rebuilds plain data and tensor references and nothing else: GLOBAL names
/// outside `TorchGlobals`' short list (`os.system`, `builtins.eval`, any class it does not know) are
/// refused with their name, and REDUCE / NEWOBJ only ever run Clipz's own handlers for the allowed
/// names. No code from the file is executed, imported or looked up.
///
/// Bounded: every value costs at least one opcode byte, lengths are checked against the bytes left,
/// and the stack, memo and nesting are capped, so the memory used is proportional to the input.
struct Unpickler {
    enum Limits {
        static let maxStack = 1 << 20
        static let maxMemo = 1 << 22
        static let maxIntBytes = 8
    }

    let bytes: [UInt8]
    let file: String
    private var pos = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Every box this run made, emptied by `teardown`.
    private var boxes: [AnyObject] = []

    /// Runs the stream to its STOP and hands the value it left to `body`; afterwards (also on errors)
    /// every box is emptied, so nothing keeps the value alive past `body`.
    static func load<T>(_ bytes: [UInt8], file: String, _ body: (PickleValue) throws -> T) throws -> T {
        var u = Unpickler(bytes: bytes, file: file)
        defer { u.teardown() }
        return try body(try u.run())
    }

    /// Cuts every link between boxes while the registry still holds them all, so that releasing them
    /// afterwards never cascades (a million nested tuples would otherwise overflow the stack in deinit).
    private mutating func teardown() {
        stack.removeAll()
        memo.removeAll()
        for b in boxes {
            switch b {
            case let l as PickleList: l.items.removeAll()
            case let d as PickleDict: d.entries.removeAll(); d.attributes.removeAll()
            case let o as PickleObject: o.attributes.removeAll()
            default: break
            }
        }
        boxes.removeAll()
    }

    private mutating func box<B: AnyObject>(_ b: B) -> B {
        boxes.append(b)
        return b
    }

    private mutating func tuple(_ items: [PickleValue]) -> PickleValue { .tuple(box(PickleList(items))) }

    private func malformed(_ detail: String, at offset: Int? = nil) -> ImportError {
        .malformed(file: file, detail: "pickle: " + detail, offset: offset ?? pos)
    }

    // MARK: reading

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - pos else { throw malformed("needs \(n) bytes, \(bytes.count - pos) left") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    /// Little-endian unsigned integer of n bytes (n ≤ 8).
    private mutating func uint(_ n: Int) throws -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    /// A length field of n bytes, checked against the bytes left in the stream.
    private mutating func length(_ n: Int) throws -> Int {
        let v = try uint(n)
        guard v <= UInt64(bytes.count - pos) else { throw malformed("length \(v) runs past the end of the stream") }
        return Int(v)
    }

    private mutating func line() throws -> String {
        guard let end = bytes[pos...].firstIndex(of: 0x0A), end - pos <= 256 else { throw malformed("unterminated or overlong text line") }
        defer { pos = end + 1 }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }

    private mutating func text(_ n: Int) throws -> String {
        let raw = try take(n)
        guard let s = String(validating: raw, as: UTF8.self) else { throw malformed("string is not valid UTF-8") }
        return s
    }

    // MARK: stack

    private mutating func push(_ v: PickleValue) throws {
        guard stack.count < Limits.maxStack else { throw ImportError.limitExceeded(file: file, what: "pickle stack depth", value: stack.count, limit: Limits.maxStack) }
        stack.append(v)
    }

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw malformed("stack underflow") }
        return v
    }

    private mutating func top() throws -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return v
    }

    /// The items pushed since the last MARK (removed from the stack, with the mark).
    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast(), m <= stack.count else { throw malformed("no MARK to pop to") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func remember(_ index: Int) throws {
        guard index >= 0, index < Limits.maxMemo else { throw ImportError.limitExceeded(file: file, what: "pickle memo index", value: index, limit: Limits.maxMemo) }
        guard memo.count < Limits.maxMemo || memo[index] != nil else {
            throw ImportError.limitExceeded(file: file, what: "pickle memo entries", value: memo.count, limit: Limits.maxMemo)
        }
        memo[index] = try top()
    }

    private mutating func recall(_ index: Int) throws {
        guard let v = memo[index] else { throw malformed("memo entry \(index) read before it was written") }
        try push(v)
    }

    // MARK: the machine

    private mutating func run() throws -> PickleValue {
        while true {
            let at = pos
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case 0x95: _ = try uint(8)  // FRAME: a length hint only
            case 0x2E:  // STOP
                guard stack.count == 1, marks.isEmpty else { throw malformed("STOP with \(stack.count) values on the stack", at: at) }
                return stack[0]
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: try push(try top())  // DUP
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try uint(4))))))  // BININT
            case 0x4B: try push(.int(Int(try byte())))  // BININT1
            case 0x4D: try push(.int(Int(try uint(2))))  // BININT2
            case 0x8A, 0x8B:  // LONG1, LONG4
                let n = try length(op == 0x8A ? 1 : 4)
                guard n <= Limits.maxIntBytes else { throw ImportError.unsupported(file: file, detail: "pickle integer of \(n) bytes (Clipz reads up to 64-bit integers)") }
                if n == 0 { try push(.int(0)); break }
                let raw = try uint(n)
                let shift = UInt64(64 - 8 * n)
                try push(.int(Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
            case 0x47: try push(.float(Double(bitPattern: try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))  // BINFLOAT, big-endian
            case 0x8C: try push(.string(try text(try length(1))))  // SHORT_BINUNICODE
            case 0x58: try push(.string(try text(try length(4))))  // BINUNICODE
            case 0x8D: try push(.string(try text(try length(8))))  // BINUNICODE8
            case 0x55: try push(.string(try text(try length(1))))  // SHORT_BINSTRING (Python 2 str)
            case 0x54: try push(.string(try text(try length(4))))  // BINSTRING
            case 0x43: try push(.bytes(Array(try take(try length(1)))))  // SHORT_BINBYTES
            case 0x42: try push(.bytes(Array(try take(try length(4)))))  // BINBYTES
            case 0x8E: try push(.bytes(Array(try take(try length(8)))))  // BINBYTES8
            case 0x29: try push(tuple([]))  // EMPTY_TUPLE
            case 0x74: let items = try popMark(); try push(tuple(items))  // TUPLE
            case 0x85: let a = try pop(); try push(tuple([a]))
            case 0x86: let b = try pop(), a = try pop(); try push(tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(tuple([a, b, c]))
            case 0x5D: try push(.list(box(PickleList())))  // EMPTY_LIST
            case 0x6C: let items = try popMark(); try push(.list(box(PickleList(items))))  // LIST
            case 0x61: try append([try pop()])  // APPEND
            case 0x65: let items = try popMark(); try append(items)  // APPENDS
            case 0x7D: try push(.dict(box(PickleDict())))  // EMPTY_DICT
            case 0x64:  // DICT (the items are taken first: a call on self would hold a copy of the stack meanwhile)
                let kv = try popMark()
                let d = box(PickleDict())
                try setItems(d, kv)
                try push(.dict(d))
            case 0x73: let v = try pop(), k = try pop(); try setItems(try topDict(), [k, v])  // SETITEM
            case 0x75: let kv = try popMark(); try setItems(try topDict(), kv)  // SETITEMS
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                try push(try TorchGlobals.resolve(module: module, name: name, file: file))
            case 0x93:  // STACK_GLOBAL
                guard let name = try pop().string, let module = try pop().string else { throw malformed("STACK_GLOBAL needs two strings", at: at) }
                try push(try TorchGlobals.resolve(module: module, name: name, file: file))
            case 0x52:  // REDUCE
                let args = try pop(), callable = try pop()
                try push(registered(try TorchGlobals.call(callable, args: args, file: file)))
            case 0x81:  // NEWOBJ
                let args = try pop(), cls = try pop()
                try push(registered(try TorchGlobals.instantiate(cls, args: args, file: file)))
            case 0x62:  // BUILD
                let state = try pop()
                try TorchGlobals.build(try top(), state: state, file: file)
            case 0x51:  // BINPERSID
                let pid = try pop()
                try push(try TorchGlobals.persistent(pid, file: file))
            case 0x71: try remember(Int(try byte()))  // BINPUT
            case 0x72: try remember(Int(try uint(4)))  // LONG_BINPUT
            case 0x94: try remember(memo.count)  // MEMOIZE
            case 0x68: try recall(Int(try byte()))  // BINGET
            case 0x6A: try recall(Int(try uint(4)))  // LONG_BINGET
            default:
                throw ImportError.unsupported(file: file, detail: String(format: "pickle opcode 0x%02X at byte %d (Clipz reads the opcodes torch.save writes)", op, at))
            }
        }
    }

    /// Boxes made by the globals' handlers join the registry too.
    private mutating func registered(_ v: PickleValue) -> PickleValue {
        switch v {
        case let .tuple(l), let .list(l): boxes.append(l)
        case let .dict(d): boxes.append(d)
        case let .object(o): boxes.append(o)
        default: break
        }
        return v
    }

    private mutating func append(_ items: [PickleValue]) throws {
        guard case let .list(l) = try top() else { throw malformed("APPEND to something that is not a list") }
        l.items += items
    }

    private mutating func topDict() throws -> PickleDict {
        guard case let .dict(d) = try top() else { throw malformed("SETITEM on something that is not a dict") }
        return d
    }

    private func setItems(_ d: PickleDict, _ kv: [PickleValue]) throws {
        guard kv.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        for i in stride(from: 0, to: kv.count, by: 2) { d.entries.append((kv[i], kv[i + 1])) }
    }
}
