internal import CCmark

/// Markdown shown as plain text, for the terminal: the same libcmark parse
/// as the HTML, written out without markup. Emphasis and code marks go,
/// `[text](url)` becomes `text (url)`, raw HTML is left out, paragraphs are
/// separated by a blank line, list items start with `-` or their number,
/// quoted lines with `>`.
enum MarkdownText {
    static func plain(_ markdown: String) -> String {
        let tree = MarkdownTree(markdown)
        var writer = PlainTextWriter()
        tree.walk { node, entering in writer.visit(node, entering: entering) }
        return writer.output
    }
}

/// Writes the nodes of a tree as text, one event at a time.
struct PlainTextWriter {
    /// A container's mark at the start of its lines: a list item's marker on
    /// its first line and spaces after, a block quote's `> ` on every line.
    struct Level {
        var first: String
        var rest: String
        var started = false
    }

    /// Only this many containers mark their lines: past it, lines of deeper
    /// text would grow with the depth, and a text of nothing but `>` would
    /// give output quadratic in its length.
    static let markedLevels = 8

    var output = ""
    /// The marked containers around the current node, outermost first.
    var levels: [Level] = []
    /// How many containers are open, marked or not.
    var depth = 0
    /// The next number of each open ordered list (nil for a bullet list).
    var lists: [(number: Int?, delimiter: String)] = []
    /// Where the text of each open link or image starts in `output`, in UTF-8 bytes.
    var linkStarts: [Int] = []
    var wroteBlock = false
    /// Whether the last block written sat directly in an item of a tight list.
    var lastBlockWasTight = false

    mutating func visit(_ node: OpaquePointer, entering: Bool) {
        let type = cmark_node_get_type(node)
        switch type {
        case CMARK_NODE_BLOCK_QUOTE:
            entering ? push(Level(first: "> ", rest: "> ")) : pop()
        case CMARK_NODE_LIST:
            if entering {
                let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
                let delimiter = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM ? ")" : "."
                lists.append((ordered ? Int(cmark_node_get_list_start(node)) : nil, delimiter))
            } else {
                lists.removeLast()
            }
        case CMARK_NODE_ITEM:
            if entering {
                var marker = "- "
                if let number = lists.last?.number {
                    marker = "\(number)\(lists[lists.count - 1].delimiter) "
                    lists[lists.count - 1].number = number + 1
                }
                push(Level(first: marker, rest: String(repeating: " ", count: marker.count)))
            } else {
                // An empty item still shows its marker.
                if depth <= Self.markedLevels, levels.last?.started == false {
                    startBlock(node)
                    startLine()
                }
                pop()
            }
        case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
            if entering {
                startBlock(node)
                startLine()
            }
        case CMARK_NODE_CODE_BLOCK:
            startBlock(node)
            var literal = MarkdownTree.string(cmark_node_get_literal(node))[...]
            if literal.last == "\n" { literal = literal.dropLast() }
            for (index, line) in literal.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if index > 0 { output += "\n" }
                startLine()
                output += line
            }
        case CMARK_NODE_THEMATIC_BREAK:
            startBlock(node)
            startLine()
            output += "---"
        case CMARK_NODE_TEXT, CMARK_NODE_CODE:
            output += MarkdownTree.string(cmark_node_get_literal(node))
        case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
            output += "\n"
            startLine()
        case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
            if entering {
                linkStarts.append(output.utf8.count)
            } else {
                let start = linkStarts.removeLast()
                let url = MarkdownTree.string(cmark_node_get_url(node))
                let text = String(decoding: output.utf8.dropFirst(start), as: UTF8.self)
                // An autolink's text is its URL already; a script URL is not shown.
                if !url.isEmpty, text != url, "mailto:" + text != url, SafeHTML.isSafeURL(url) {
                    output += " (\(url))"
                }
            }
        default:
            // Raw HTML is left out, as on the page; the document node needs nothing.
            break
        }
    }

    mutating func push(_ level: Level) {
        depth += 1
        if depth <= Self.markedLevels { levels.append(level) }
    }

    mutating func pop() {
        if depth <= Self.markedLevels { levels.removeLast() }
        depth -= 1
    }

    /// Separates a block from the one before: a line break between items of
    /// a tight list, a blank line everywhere else.
    mutating func startBlock(_ node: OpaquePointer) {
        let tight = Self.isInTightItem(node)
        if wroteBlock { output += tight && lastBlockWasTight ? "\n" : "\n\n" }
        wroteBlock = true
        lastBlockWasTight = tight
    }

    /// Writes the marks of the containers at the start of a line.
    mutating func startLine() {
        for index in levels.indices {
            output += levels[index].started ? levels[index].rest : levels[index].first
            levels[index].started = true
        }
    }

    static func isInTightItem(_ node: OpaquePointer) -> Bool {
        var item = node
        if cmark_node_get_type(node) != CMARK_NODE_ITEM {
            guard let parent = cmark_node_parent(node), cmark_node_get_type(parent) == CMARK_NODE_ITEM else {
                return false
            }
            item = parent
        }
        guard let list = cmark_node_parent(item) else { return false }
        return cmark_node_get_list_tight(list) != 0
    }
}
