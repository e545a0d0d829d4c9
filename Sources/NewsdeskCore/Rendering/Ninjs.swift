#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An edition as an IPTC ninjs 3.1 news item (SPEC §6): language, headline,
/// lead as the summary, the body as Markdown and as safe HTML, live updates
/// as further bodies, byline, subjects with their Media Topic URIs, the main
/// photo as an association with caption and credit, version and dates.
public struct NinjsDocument: Encodable, Sendable {
    struct Text: Encodable, Sendable {
        var role: String?
        var contentType: String?
        var value: String
    }

    struct Subject: Encodable, Sendable {
        var name: String
        var rel = "about"
        var uri: String?
        var literal: String
    }

    struct Rendition: Encodable, Sendable {
        var name = "original"
        var href: String
    }

    struct Association: Encodable, Sendable {
        var name = "mainpicture"
        var uri: String
        var type = "picture"
        var representationType = "full"
        var descriptions: [Text]?
        var by: String?
        var renditions: [Rendition]
    }

    var uri: String
    var type = "text"
    var representationType = "full"
    var version: String
    var firstCreated: String?
    var versionCreated: String
    var embargoedUntil: String?
    var pubStatus: String
    var language: String
    var headlines: [Text]
    var descriptions: [Text]?
    var bodies: [Text]
    var by: String?
    var subjects: [Subject]?
    var associations: [Association]?
    var altIds: [AltID]

    struct AltID: Encodable, Sendable {
        var role: String
        var value: String
    }

    public init(_ edition: Edition) {
        uri = SiteAddress(siteURL: edition.siteURL).edition(edition.id)
        version = String(edition.version)
        firstCreated = edition.publishedAt.map(RFC3339.string)
        versionCreated = RFC3339.string(from: edition.savedAt)
        embargoedUntil = edition.embargoUntil.map(RFC3339.string)
        pubStatus =
            switch edition.status {
            case .published: "usable"
            case .withdrawn: "canceled"
            case .draft, .inReview, .scheduled: "withheld"
            }
        language = edition.lang
        headlines = [Text(role: "main", value: edition.headline)]
        descriptions =
            edition.lead.isEmpty ? nil : [Text(role: "summary", contentType: "text/plain", value: edition.lead)]
        bodies =
            [
                Text(role: "main", contentType: "text/markdown", value: edition.body),
                Text(role: "richtext", contentType: "text/html", value: SafeHTML.render(markdown: edition.body))
            ]
            + edition.updates.map {
                Text(
                    role: "update", contentType: "text/markdown",
                    value: "\($0.kind.rawValue) \(RFC3339.string(from: $0.postedAt)): \($0.body)")
            }
        let names = edition.bylines.map { edition.bylineNames[$0] ?? $0 }
        by = names.isEmpty ? nil : names.joined(separator: ", ")
        subjects =
            edition.subjectNames.isEmpty
            ? nil
            : edition.subjectNames.map {
                Subject(name: $0.name, uri: $0.mediatopic, literal: $0.slug)
            }
        associations = edition.photo.map { photo in
            [
                Association(
                    uri: photo.url,
                    descriptions: photo.caption.map { [Text(role: "caption", value: $0)] },
                    by: photo.credit,
                    renditions: [Rendition(href: photo.url)])
            ]
        }
        altIds = [
            AltID(role: "slug", value: "\(edition.lang)/\(edition.slug)"),
            AltID(role: "story", value: String(edition.storyID))
        ]
    }

    /// The document as compact JSON (for one document a line) or pretty.
    public func json(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
