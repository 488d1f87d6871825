/// Prompt texts Clipz makes up when none are given.
public enum Prompts {
    /// The one built-in prompt list (validate without texts or dataset, calibrate without texts or class
    /// folders): everyday captions plus the edge cases a tokenizer port gets wrong (an empty prompt,
    /// capitals, digits, punctuation).
    public static let builtin = [
        "a photo of a cat.", "a photo of a dog.", "a diagram.", "a close-up photo of a red apple on a table.",
        "an aerial view of a city at night.", "a handwritten number seven.", "two people riding bicycles in the rain.",
        "a blurry photo of a car.", "text that says hello world", "a painting of mountains and a lake at sunset.",
        "", "A PHOTO OF THE NUMBER 3, in CAPITALS!",
    ]

    /// The default zero-shot template.
    public static let defaultTemplate = "a photo of a {}."

    /// One prompt per class: `template` with "{}" replaced by the class name.
    public static func classPrompts(_ classes: [String], template: String = defaultTemplate) -> [String] {
        classes.map { template.replacingOccurrences(of: "{}", with: $0) }
    }
}
