/// The site's addresses (SPEC §11), parsed from a request path. The routes
/// are a contract, and an article's slug may be any word that is not one of
/// a language's own pages, so the path is matched here, component by
/// component, in one place, rather than registered as overlapping patterns.
/// The database never gives an edition such a slug (`search`: see
/// newsroom.reserved_slugs in Schema/editions.sql).
enum Route: Equatable {
    /// `/{lang}/`: the language's recent news.
    case front(lang: String)
    /// `/{lang}/{slug}`: an article.
    case article(lang: String, slug: String)
    /// `/{lang}/{slug}/live`: the article's live updates as server-sent events.
    case live(lang: String, slug: String)
    /// `/{lang}/subjects/{subject}`.
    case subject(lang: String, subject: String)
    /// `/{lang}/rss.xml`, `/{lang}/atom.xml` (`?subject=` for a subject's);
    /// `/rss.xml`, `/atom.xml` (no language) for every language's news.
    case feed(lang: String?, format: FeedFormat)
    /// `/{lang}/search?q=`.
    case search(lang: String)
    /// `/api/v1/{lang}/{slug}`.
    case apiArticle(lang: String, slug: String)
    /// `/api/v1/{lang}/{slug}/updates?after=ID`.
    case apiUpdates(lang: String, slug: String)
    /// `/api/v1/feed?lang=&subject=&before=&limit=`.
    case apiFeed
    /// `/api/v1/subjects`.
    case apiSubjects
    /// `/healthz`, `/metrics`.
    case health, metrics
    /// `/assets/site.css`, `/assets/live.js`.
    case asset(String)
    /// `/`: the first language's front page.
    case root
    case notFound

    enum FeedFormat: String { case rss, atom }

    /// A language tag or a slug: lower-case Latin letters, digits and hyphens
    /// (what the database allows in either). Anything else is no page.
    static func isWord(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 80
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    init(path: String) {
        // `/uk/` and `/uk` are the same page; empty components are not kept.
        // Split as bytes, as URLs are defined: splitting the String walks it
        // by Characters, which was a twentieth of the work of answering a 304.
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
        switch parts.count {
        case 0:
            self = .root
        case 1:
            switch parts[0] {
            case "healthz": self = .health
            case "metrics": self = .metrics
            case "rss.xml": self = .feed(lang: nil, format: .rss)
            case "atom.xml": self = .feed(lang: nil, format: .atom)
            default: self = Self.isWord(parts[0]) ? .front(lang: parts[0]) : .notFound
            }
        case 2 where parts[0] == "assets":
            self = .asset(parts[1])
        case 2 where parts[0] == "api" || !Self.isWord(parts[0]):
            self = .notFound
        case 2:
            let lang = parts[0]
            switch parts[1] {
            case "rss.xml": self = .feed(lang: lang, format: .rss)
            case "atom.xml": self = .feed(lang: lang, format: .atom)
            case "search": self = .search(lang: lang)
            default: self = Self.isWord(parts[1]) ? .article(lang: lang, slug: parts[1]) : .notFound
            }
        case 3 where parts[0] == "api" && parts[1] == "v1":
            switch parts[2] {
            case "feed": self = .apiFeed
            case "subjects": self = .apiSubjects
            default: self = .notFound
            }
        case 3 where Self.isWord(parts[0]) && parts[1] == "subjects" && Self.isWord(parts[2]):
            self = .subject(lang: parts[0], subject: parts[2])
        case 3 where Self.isWord(parts[0]) && Self.isWord(parts[1]) && parts[2] == "live":
            self = .live(lang: parts[0], slug: parts[1])
        case 4 where parts[0] == "api" && parts[1] == "v1" && Self.isWord(parts[2]) && Self.isWord(parts[3]):
            self = .apiArticle(lang: parts[2], slug: parts[3])
        case 5
        where parts[0] == "api" && parts[1] == "v1" && Self.isWord(parts[2]) && Self.isWord(parts[3])
            && parts[4] == "updates":
            self = .apiUpdates(lang: parts[2], slug: parts[3])
        default:
            self = .notFound
        }
    }

    /// Whether the answer depends only on the address and the news, so the
    /// ``PageCache`` may keep it: not live streams, health, metrics or files.
    var isCacheable: Bool {
        switch self {
        case .front, .article, .subject, .feed, .search, .apiArticle, .apiUpdates, .apiFeed, .apiSubjects: true
        case .live, .health, .metrics, .asset, .root, .notFound: false
        }
    }

    /// The route as the ``PageCache`` names it: every address that is this
    /// route (`/en/x`, `/en/x/`, `//en//x`) is one name. Written out rather
    /// than `String(describing:)`, which reflects on the value at each request.
    var cacheName: String {
        switch self {
        case .front(let lang): "front \(lang)"
        case .article(let lang, let slug): "article \(lang) \(slug)"
        case .live(let lang, let slug): "live \(lang) \(slug)"
        case .subject(let lang, let subject): "subject \(lang) \(subject)"
        case .feed(let lang, let format): "\(format.rawValue) \(lang ?? "")"
        case .search(let lang): "search \(lang)"
        case .apiArticle(let lang, let slug): "api_article \(lang) \(slug)"
        case .apiUpdates(let lang, let slug): "api_updates \(lang) \(slug)"
        case .asset(let name): "asset \(name)"
        case .apiFeed, .apiSubjects, .health, .metrics, .root, .notFound: name
        }
    }

    /// The query parameters the answer is made from (``Site``), whether
    /// every value of one counts or only its first, and how its value is
    /// read: what the ``PageCache`` keys an answer by besides the path. Any
    /// other parameter changes nothing, so `?r=1`, `?r=2` … are the same
    /// page to the cache, and cannot make it read and keep one copy each.
    var queryParameters: [(name: String, every: Bool, value: ParameterValue)] {
        switch self {
        case .front, .subject: [("before", false, .text)]
        case .feed: [("subject", true, .text)]
        case .search: [("q", false, .text)]
        case .apiUpdates: [("after", false, .wholeNumber)]
        case .apiFeed:
            [
                ("lang", false, .language), ("subject", true, .text), ("before", false, .text),
                ("limit", false, .wholeNumber)
            ]
        case .article, .apiArticle, .apiSubjects, .live, .health, .metrics, .asset, .root, .notFound: []
        }
    }

    /// How the answer reads a parameter's value, and so which spellings of
    /// it are one answer: `after=1`, `after=01` and `after=+1` are one poll,
    /// `lang=EN` and `lang=en` one feed (the newsroom matches languages
    /// without regard to case).
    enum ParameterValue {
        case text, wholeNumber, language

        /// The value as the answer reads it; one it cannot read stays as typed
        /// (its answer is a 400, which is not kept).
        func canonical(_ typed: String) -> String {
            switch self {
            case .text: typed
            case .wholeNumber: Int64(typed).map(String.init) ?? typed
            case .language: typed.lowercased()
            }
        }
    }

    /// The route's name in logs and metrics: never the slug a reader asked for.
    var name: String {
        switch self {
        case .front: "front"
        case .article: "article"
        case .live: "live"
        case .subject: "subject"
        case .feed(_, let format): format.rawValue
        case .search: "search"
        case .apiArticle: "api_article"
        case .apiUpdates: "api_updates"
        case .apiFeed: "api_feed"
        case .apiSubjects: "api_subjects"
        case .health: "healthz"
        case .metrics: "metrics"
        case .asset: "asset"
        case .root: "root"
        case .notFound: "not_found"
        }
    }
}
