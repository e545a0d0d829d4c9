internal import CCmark

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One parse of a Markdown text by libcmark, the CommonMark reference
/// implementation. HTML (``SafeHTML``) and plain text (``MarkdownText``) are
/// both rendered from this tree, so they agree on what the text says.
///
/// libcmark parses in linear time with one exception in the version Debian
/// ships (0.30.2): image openers (`![`) that are never closed are walked again
/// for every link closed after them in the same paragraph, so `![[]()`
/// repeated takes minutes for a megabyte. ``neutralisingImageOpeners(_:)``
/// bounds that before parsing.
struct MarkdownTree: ~Copyable {
    /// The document node; owned here and freed in `deinit`.
    let root: OpaquePointer

    /// Raw HTML is left in the tree (the HTML renderer drops it in safe mode,
    /// the plain-text renderer skips it).
    static let options = CMARK_OPT_SAFE

    /// Parses `markdown`.
    init(_ markdown: String) {
        var text = Self.neutralisingImageOpeners(markdown)
        root = text.withUTF8 { bytes in
            // An empty buffer may have no address; cmark reads no byte of a
            // zero-length input, so any valid pointer does.
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    return cmark_parse_document(base, chars.count, Self.options)
                }
                return "".withCString { cmark_parse_document($0, 0, Self.options) }
            }
        }
    }

    deinit {
        cmark_node_free(root)
    }

    /// Takes a `char *` that cmark allocated with `malloc`, and frees it.
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// `cmark_node_get_literal` and friends return memory the node owns.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// The most work (image openers × closing brackets) one stretch of text
    /// between blank lines may ask of the parser before its image openers are
    /// escaped. No paragraph a person writes comes near it: it takes a
    /// thousand images and a thousand links in one paragraph.
    static let imageOpenerBudget = 1_000_000

    /// Escapes the `!` of `![` in every stretch between blank lines whose
    /// image openers times closing brackets exceed ``imageOpenerBudget``.
    /// Inline parsing never crosses a blank line, so the count over a stretch
    /// bounds the work of each paragraph in it, and the whole parse stays
    /// linear: a stretch may cost at most the budget, and costing that much
    /// takes at least 2·√budget bytes of it. In such a stretch images show as
    /// links (and a code span there shows the backslash): only text built to
    /// be slow gets there.
    static func neutralisingImageOpeners(_ markdown: String) -> String {
        let bytes = markdown.utf8
        // Going over the budget takes more than a thousand `![` and a thousand `]`.
        guard bytes.count > 3_000 else { return markdown }
        var stretches: [Range<Int>] = []
        var start = 0, openers = 0, closers = 0
        var previous: UInt8 = 0, lineIsBlank = true
        var offset = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if lineIsBlank {
                    if openers * closers > imageOpenerBudget { stretches.append(start..<offset) }
                    start = offset
                    openers = 0
                    closers = 0
                }
                lineIsBlank = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                lineIsBlank = false
                if byte == UInt8(ascii: "["), previous == UInt8(ascii: "!") { openers += 1 }
                if byte == UInt8(ascii: "]") { closers += 1 }
            }
            previous = byte
            offset += 1
        }
        if openers * closers > imageOpenerBudget { stretches.append(start..<offset) }
        guard !stretches.isEmpty else { return markdown }

        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 8)
        var backslashes = 0
        var stretchIndex = 0
        for (index, byte) in input.enumerated() {
            while stretchIndex < stretches.count, index >= stretches[stretchIndex].upperBound { stretchIndex += 1 }
            // A `!` after an odd run of backslashes is escaped already, and a
            // second backslash would undo that.
            if byte == UInt8(ascii: "!"), backslashes % 2 == 0, index + 1 < input.count,
                input[index + 1] == UInt8(ascii: "["),
                stretchIndex < stretches.count, stretches[stretchIndex].contains(index)
            {
                output.append(UInt8(ascii: "\\"))
            }
            backslashes = byte == UInt8(ascii: "\\") ? backslashes + 1 : 0
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension MarkdownTree {
    /// Calls `visit` for every node in document order, entering and leaving
    /// containers, with libcmark's iterator: no recursion, so nesting as deep
    /// as the text allows costs no stack.
    func walk(_ visit: (_ node: OpaquePointer, _ entering: Bool) -> Void) {
        guard let iterator = cmark_iter_new(root) else { return }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { return }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            visit(node, event == CMARK_EVENT_ENTER)
        }
    }

    /// The raw HTML blocks and inline tags in the text, in document order.
    func rawHTMLNodes() -> [OpaquePointer] {
        var raw: [OpaquePointer] = []
        walk { node, entering in
            let type = cmark_node_get_type(node)
            if entering && (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE) { raw.append(node) }
        }
        return raw
    }

    /// Unlinks and frees the raw HTML nodes. Safe mode would render each as
    /// an `<!-- raw HTML omitted -->` comment, which the page has no use for.
    func removeRawHTML() {
        // Removed after the walk: the iterator may still point at a node it returned.
        for node in rawHTMLNodes() {
            cmark_node_unlink(node)
            cmark_node_free(node)
        }
    }

    /// The tree as HTML, in safe mode: raw HTML dropped, `javascript:`,
    /// `vbscript:`, `file:` and most `data:` URLs blanked.
    func html() -> String {
        Self.takeString(cmark_render_html(root, Self.options))
    }
}
