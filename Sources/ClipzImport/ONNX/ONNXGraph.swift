import COnnxProto
import ClipzCore

/// A node attribute, reduced to the kinds the matcher reads.
enum ONNXAttribute {
    case float(Float), int(Int), string(String), tensor(SourceTensor), floats([Float]), ints([Int]), other
}

struct ONNXNode {
    let index: Int
    let opType: String
    let domain: String
    /// Node name, or "OpType#index" when the exporter left it empty.
    let name: String
    let inputs: [String]
    let outputs: [String]
    let attributes: [String: ONNXAttribute]

    func int(_ key: String) -> Int? { if case let .int(v)? = attributes[key] { return v }; return nil }
    func float(_ key: String) -> Float? { if case let .float(v)? = attributes[key] { return v }; return nil }
    func ints(_ key: String) -> [Int]? { if case let .ints(v)? = attributes[key] { return v }; return nil }
    func string(_ key: String) -> String? { if case let .string(v)? = attributes[key] { return v }; return nil }
    /// Input `i`, or "" when absent (optional inputs are empty strings in ONNX too).
    func input(_ i: Int) -> String { i < inputs.count ? inputs[i] : "" }
}

/// A graph input that is not an initializer.
struct ONNXInput {
    let name: String
    /// TensorProto.DataType code of the element type (0 when undeclared).
    let elemType: Int32
    /// Declared rank, nil when the exporter gave no shape.
    let rank: Int?
    /// Declared dims (nil for a symbolic or missing one, such as a dynamic batch); nil without a shape
    /// or above `ONNXLimits.maxRank`.
    let dims: [Int?]?
}

/// The graph in Swift form with producer/consumer indexes. Built once per file, with caps.
struct ONNXGraph {
    let file: String
    let model: ONNXProtoModel
    let nodes: [ONNXNode]
    let initializers: [String: SourceTensor]
    let inputs: [ONNXInput]
    let producer: [String: Int]
    let consumers: [String: [Int]]
    let opset: Int

    init(model: ONNXProtoModel) throws {
        self.model = model
        file = model.path
        let g = model.graph.pointee
        guard g.n_node <= ONNXLimits.maxNodes else {
            throw ImportError.limitExceeded(file: file, what: "node count", value: g.n_node, limit: ONNXLimits.maxNodes)
        }
        guard g.n_initializer <= ONNXLimits.maxInitializers else {
            throw ImportError.limitExceeded(file: file, what: "initializer count", value: g.n_initializer, limit: ONNXLimits.maxInitializers)
        }
        var inits: [String: SourceTensor] = [:]
        for (i, p) in cArray(g.initializer, g.n_initializer).enumerated() {
            guard let p else { continue }
            // The model checked that the wire walk saw exactly n_initializer tensors.
            let raw = i < model.initializerRaw.count ? model.initializerRaw[i] : nil
            let t = try SourceTensor.onnx(UnsafePointer(p), owner: model, fallbackName: "initializer#\(i)", raw: raw)
            if let t { inits[t.name] = t }
        }
        var nodes: [ONNXNode] = []
        nodes.reserveCapacity(g.n_node)
        for (i, p) in cArray(g.node, g.n_node).enumerated() {
            guard let p else { continue }
            nodes.append(try ONNXGraph.convert(p, index: nodes.count, rawIndex: i, model: model))
        }
        var producer: [String: Int] = [:], consumers: [String: [Int]] = [:]
        for n in nodes {
            for o in n.outputs where !o.isEmpty { producer[o] = n.index }
            for v in n.inputs where !v.isEmpty { consumers[v, default: []].append(n.index) }
        }
        var inputs: [ONNXInput] = []
        for p in cArray(g.input, g.n_input) {
            guard let p else { continue }
            let name = cString(p.pointee.name)
            if inits[name] != nil { continue }
            var elem: Int32 = 0, rank: Int? = nil, dims: [Int?]? = nil
            if let t = p.pointee.type, t.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tt = t.pointee.tensor_type {
                elem = tt.pointee.elem_type
                if let s = tt.pointee.shape {
                    rank = s.pointee.n_dim
                    if s.pointee.n_dim <= ONNXLimits.maxRank {
                        dims = cArray(s.pointee.dim, s.pointee.n_dim).map { d -> Int? in
                            guard let d, d.pointee.value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE,
                                  d.pointee.dim_value >= 0 else { return nil }
                            return Int(d.pointee.dim_value)
                        }
                    }
                }
            }
            inputs.append(ONNXInput(name: name, elemType: elem, rank: rank, dims: dims))
        }
        self.nodes = nodes; self.initializers = inits; self.inputs = inputs
        self.producer = producer; self.consumers = consumers
        opset = model.opsets.first(where: { $0.0 == "" || $0.0 == "ai.onnx" })?.1 ?? 0
    }

    private static func convert(_ p: UnsafeMutablePointer<Onnx__NodeProto>, index: Int, rawIndex: Int, model: ONNXProtoModel) throws -> ONNXNode {
        let n = p.pointee
        guard n.n_input <= ONNXLimits.maxNodeInputs, n.n_output <= ONNXLimits.maxNodeInputs else {
            throw ImportError.limitExceeded(file: model.path, what: "inputs of node #\(rawIndex)", value: max(n.n_input, n.n_output), limit: ONNXLimits.maxNodeInputs)
        }
        let op = cString(n.op_type)
        var name = cString(n.name)
        if name.isEmpty { name = "\(op)#\(rawIndex)" }
        var attrs: [String: ONNXAttribute] = [:]
        for a in cArray(n.attribute, n.n_attribute) {
            guard let a else { continue }
            let at = a.pointee
            let key = cString(at.name)
            switch at.type {
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: attrs[key] = .float(at.f)
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: attrs[key] = .int(Int(at.i))
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
                let bytes = cArray(at.s.data, at.s.data == nil ? 0 : at.s.len)
                attrs[key] = .string(String(decoding: bytes, as: UTF8.self))
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
                let t = try at.t.flatMap {
                    try SourceTensor.onnx(UnsafePointer($0), owner: model, fallbackName: "\(name).\(key)")
                }
                attrs[key] = t.map { .tensor($0) } ?? .other
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
                guard at.n_floats <= ONNXLimits.maxListAttribute else { throw listCap(model, name, key, at.n_floats) }
                attrs[key] = .floats(Array(cArray(at.floats, at.n_floats)))
            case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
                guard at.n_ints <= ONNXLimits.maxListAttribute else { throw listCap(model, name, key, at.n_ints) }
                attrs[key] = .ints(cArray(at.ints, at.n_ints).map { Int($0) })
            default: attrs[key] = .other
            }
        }
        return ONNXNode(index: index, opType: op, domain: cString(n.domain), name: name,
                        inputs: cArray(n.input, n.n_input).map { cString($0) },
                        outputs: cArray(n.output, n.n_output).map { cString($0) }, attributes: attrs)
    }

    private static func listCap(_ m: ONNXProtoModel, _ node: String, _ key: String, _ n: Int) -> ImportError {
        .limitExceeded(file: m.path, what: "attribute '\(key)' of node '\(node)'", value: n, limit: ONNXLimits.maxListAttribute)
    }

    func producerNode(_ value: String) -> ONNXNode? { producer[value].map { nodes[$0] } }
    func consumerNodes(_ value: String) -> [ONNXNode] { (consumers[value] ?? []).map { nodes[$0] } }
}
