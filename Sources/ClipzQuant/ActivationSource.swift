import ClipzCore

/// Sees one linear layer's input: (canonical weight name, rows [rows × in], rows).
public typealias LayerInputObserver = (String, UnsafeBufferPointer<Float>, Int) -> Void

/// A float model run over some inputs, showing every linear layer's input. The runtime provides it
/// (ClipzRuntime's `ModelActivations`); calibration statistics and the quantizer's accuracy guard
/// are computed here, in ClipzQuant, from what it shows.
public protocol ActivationSource: AnyObject, Sendable {
    var config: ModelConfig { get }
    /// The fp32 weight [out, in] of a linear layer, as the model runs it.
    func weight(_ linear: String) throws -> Tensor
    /// Runs the model over the inputs once, calling `observe` before each linear layer runs.
    /// - Parameters:
    ///   - pass: a number for progress reports.
    ///   - firstBatchOnly: only the first batch of each tower.
    func run(pass: Int, firstBatchOnly: Bool, observe: @escaping LayerInputObserver) throws
}
