/// The transformer hyper-parameters a tower's blocks are built from; text and vision configs both
/// carry them under the same names.
public protocol TransformerShape {
    var width: Int { get }
    var layers: Int { get }
    var heads: Int { get }
    var mlpDim: Int { get }
    var layerNormEps: Double { get }
    var activation: Activation { get }
}

extension TextConfig: TransformerShape {}
extension VisionConfig: TransformerShape {}
