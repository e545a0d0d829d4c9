/// The site's addresses, in one place: where an edition's page, its permanent
/// address and each feed live under the newsroom's `site_url`. Languages and
/// subject slugs are checked by the database to hold only letters, digits
/// and hyphens, so none needs escaping.
public struct SiteAddress: Sendable {
    /// `site_url` without a trailing slash.
    public let root: String

    public init(siteURL: String) {
        var root = siteURL
        while root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// The page readers open: `…/uk/slug`. It changes when the slug does.
    public func page(lang: String, slug: String) -> String {
        "\(root)/\(lang)/\(slug)"
    }

    /// The edition's permanent address, `…/editions/ID`: what feeds and
    /// ninjs identify it by, so a new slug is not a new story to readers.
    public func edition(_ id: Int64) -> String {
        "\(root)/editions/\(id)"
    }

    /// A story's permanent address, `…/stories/ID`: what groups its
    /// editions in every language.
    public func story(_ id: Int64) -> String {
        "\(root)/stories/\(id)"
    }

    /// A live update's permanent address, `…/updates/ID`.
    public func update(_ id: Int64) -> String {
        "\(root)/updates/\(id)"
    }

    /// A member of staff, by login: the URI of a byline.
    public func staff(_ login: String) -> String {
        "\(root)/staff/\(login)"
    }

    /// The front page of a language, or of the whole site.
    public func home(lang: String?) -> String {
        lang.map { "\(root)/\($0)/" } ?? "\(root)/"
    }

    /// A subject's address (`…/subjects/war`), the URI of a subject that has
    /// no IPTC Media Topic.
    public func subject(_ slug: String) -> String {
        "\(root)/subjects/\(slug)"
    }

    /// A feed's own address, also its Atom id: `…/uk/atom.xml`,
    /// `…/rss.xml?subject=war&subject=economy`. Each filter has its own.
    public func feed(_ file: String, lang: String?, subjects: [String]) -> String {
        let query = subjects.isEmpty ? "" : "?" + subjects.map { "subject=\($0)" }.joined(separator: "&")
        return home(lang: lang) + file + query
    }
}
