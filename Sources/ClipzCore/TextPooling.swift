/// How the text tower picks the token whose final state is projected.
public enum TextPooling: String, Codable, Sendable {
    /// Position of the largest token id (OpenAI / open_clip / Hugging Face legacy rule).
    case argmaxID = "argmax_id"
    /// First position whose id equals `eos_token_id`.
    case firstEOS = "first_eos"
    /// The last position of the full context (SigLIP: sequences are padded to the context with `pad_token_id`).
    case last
}
