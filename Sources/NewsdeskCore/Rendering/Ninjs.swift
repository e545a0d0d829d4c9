#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An edition as an IPTC ninjs 3.1 news item (SPEC §6), every part of it
/// machine-readable:
///
/// - `uri`: the edition's permanent address; `altIds` the story's (role
///   `story`: what groups the editions in every language) and the slug.
/// - `firstCreated`: when the edition was created; `versionCreated`: when
///   this version was saved; `embargoedUntil`; `pubStatus` (usable, withheld
///   for drafts and scheduled editions, canceled when withdrawn).
/// - The lead as the summary; the body as Markdown and as safe HTML.
/// - `people`: the bylines (rel `author`, the login as `literal`) and the
///   translators (rel `translator`), and `by` (the authors) as the site prints them.
/// - `subjects`: name in the edition's language, slug as `literal`, the IPTC
///   Media Topic or the newsroom's own subject address as `uri`.
/// - `associations`: the main photo (caption, credit); every other edition
///   of the story (rel `translation`, its `language`); the edition this one
///   was translated from (rel `translatedfrom`, its version); and each live
///   update as an item of its own (rel `liveupdate`): `altIds` seq, `genres`
///   its kind, `urgency` 1 for a key event, author, body, `version` and
///   `versionCreated` once edited, `pubStatus` canceled with the reason in
///   `edNote` once withdrawn, and the update it translates.
public struct NinjsDocument: Encodable, Sendable {
    struct Text: Encodable, Sendable {
        var role: String?
        var contentType: String?
        var value: String
    }

    struct Subject: Encodable, Sendable {
        var name: String
        var rel = "about"
        var uri: String
        var literal: String
    }

    struct Person: Encodable, Sendable {
        var name: String
        var rel = "author"
        var uri: String
        var literal: String
    }

    struct Genre: Encodable, Sendable {
        var literal: String
    }

    struct Rendition: Encodable, Sendable {
        var name = "original"
        var href: String
    }

    struct AltID: Encodable, Sendable {
        var role: String
        var value: String
    }

    /// An associated item: itself a ninjs object with a name and a relation.
    struct Association: Encodable, Sendable {
        var name: String
        var rel: String
        var uri: String
        var type: String?
        var representationType: String?
        var language: String?
        var version: String?
        var firstCreated: String?
        var versionCreated: String?
        var pubStatus: String?
        var urgency: Int?
        var edNote: String?
        var descriptions: [Text]?
        var bodies: [Text]?
        var by: String?
        var people: [Person]?
        var genres: [Genre]?
        var altIds: [AltID]?
        var renditions: [Rendition]?
        var associations: [Association]?
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
    var people: [Person]?
    var subjects: [Subject]?
    var genres: [Genre]?
    var associations: [Association]?
    var altIds: [AltID]

    public init(_ edition: Edition) {
        let site = SiteAddress(siteURL: edition.siteURL)
        uri = site.edition(edition.id)
        version = String(edition.version)
        firstCreated = edition.createdAt.map(RFC3339.string)
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
        bodies = Self.bodies(edition.body)
        let names = edition.bylines.map { edition.bylineNames[$0] ?? $0 }
        by = names.isEmpty ? nil : names.joined(separator: ", ")
        let credited =
            edition.bylines.map { Person(name: edition.bylineNames[$0] ?? $0, uri: site.staff($0), literal: $0) }
            + edition.translators.map {
                Person(name: edition.translatorNames[$0] ?? $0, rel: "translator", uri: site.staff($0), literal: $0)
            }
        people = credited.isEmpty ? nil : credited
        subjects =
            edition.subjectNames.isEmpty
            ? nil
            : edition.subjectNames.map {
                Subject(name: $0.name, uri: $0.mediatopic.map(WebURL.uri) ?? site.subject($0.slug), literal: $0.slug)
            }
        genres = edition.video ? [Genre(literal: "video")] : nil

        var associated: [Association] = []
        if let photo = edition.photo {
            let address = WebURL.uri(photo.url)
            associated.append(
                Association(
                    name: "mainpicture", rel: "mainpicture", uri: address, type: "picture", representationType: "full",
                    descriptions: photo.caption.map { [Text(role: "caption", value: $0)] }, by: photo.credit,
                    renditions: [Rendition(href: address)]))
        }
        if let source = edition.translatedFrom {
            associated.append(
                Association(
                    name: "source", rel: "translatedfrom", uri: site.edition(source.editionID), type: "text",
                    version: String(source.version)))
        }
        for other in edition.languageEditions where other.id != edition.id {
            associated.append(
                Association(
                    name: "edition-\(other.lang)", rel: "translation", uri: site.edition(other.id), type: "text",
                    language: other.lang))
        }
        for update in (edition.updates + edition.withdrawnUpdates).sorted(by: { $0.seq < $1.seq }) {
            associated.append(Self.liveUpdate(update, in: edition, site: site))
        }
        associations = associated.isEmpty ? nil : associated
        altIds = [
            AltID(role: "story", value: site.story(edition.storyID)),
            AltID(role: "slug", value: "\(edition.lang)/\(edition.slug)")
        ]
    }

    static func bodies(_ markdown: String) -> [Text] {
        [
            Text(role: "main", contentType: "text/markdown", value: markdown),
            Text(role: "richtext", contentType: "text/html", value: SafeHTML.render(markdown: markdown))
        ]
    }

    static func liveUpdate(_ update: LiveUpdate, in edition: Edition, site: SiteAddress) -> Association {
        let author = Person(
            name: update.authorName ?? update.author, uri: site.staff(update.author), literal: update.author)
        return Association(
            name: "update-\(update.seq)", rel: "liveupdate", uri: site.update(update.id), type: "text",
            representationType: "full", language: edition.lang, version: String(update.version),
            firstCreated: RFC3339.string(from: update.postedAt),
            versionCreated: RFC3339.string(from: update.editedAt ?? update.postedAt),
            pubStatus: update.withdrawnAt == nil ? "usable" : "canceled", urgency: update.key ? 1 : nil,
            edNote: update.withdrawalReason, bodies: bodies(update.body), by: author.name, people: [author],
            genres: [Genre(literal: update.kind.rawValue)], altIds: [AltID(role: "seq", value: String(update.seq))],
            associations: update.translationOf.map {
                [Association(name: "source", rel: "translationof", uri: site.update($0), type: "text")]
            })
    }

    /// The document as compact JSON (for one document a line) or pretty.
    public func json(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
