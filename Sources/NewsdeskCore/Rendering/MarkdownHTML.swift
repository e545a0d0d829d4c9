import Ink

/// Markdown to HTML (placeholder while measuring).
public enum MarkdownHTML {
    public static func html(_ markdown: String) -> String { MarkdownParser().html(from: markdown) }
}
