/// What the runtime needs from a model's tokenizer: texts → the rows of ids its text tower takes.
/// `CLIPTokenizer` (byte-level BPE) and `SentencePieceTokenizer` (SigLIP) conform; a `.clipz`
/// file's `tokenizer.kind` says which one it carries.
public protocol TextTokenizer: AnyObject, Sendable {
    /// Number of ids in the vocabulary.
    var vocabularySize: Int { get }
    /// One row of exactly `contextLength` ids per text, as the model was trained (special tokens,
    /// truncation and padding included).
    func tokenize(_ texts: [String], contextLength: Int) -> [[Int]]
    /// Vocabulary strings of `ids`, for display; ids outside the vocabulary show as "<unk:ID>".
    func tokens(for ids: [Int]) -> [String]
}

extension CLIPTokenizer: TextTokenizer {}
