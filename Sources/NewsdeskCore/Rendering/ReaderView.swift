/// An edition as the site shows it (SPEC §6), in plain text or HTML.
public struct ReaderView {
    public let edition: Edition
    public init(edition: Edition) {
        self.edition = edition
    }

    /// Labels in the edition's language.
    struct Labels {
        let by: String
        let updated: String
        let correction: String
        let photo: String
        let withdrawn: String
        /// Labels of live updates by kind: "Update:", "Correction:", "Clarification:".
        let kinds: [UpdateKind: String]
        let keyEvents: String
        let edited: String
        let alsoIn: String
        let subjects: String
        let more: String

        static func `for`(_ language: String) -> Labels {
            switch language {
            case "uk":
                Labels(by: "Автор:", updated: "Оновлено", correction: "Виправлення:", photo: "Фото",
                       withdrawn: "Матеріал знято з публікації",
                       kinds: [.update: "Оновлення:", .correction: "Виправлення:", .clarification: "Уточнення:"],
                       keyEvents: "Ключові події", edited: "змінено", alsoIn: "Читайте також", subjects: "Теми", more: "Більше на цю тему")
            case "ru":
                Labels(by: "Автор:", updated: "Обновлено", correction: "Исправление:", photo: "Фото",
                       withdrawn: "Материал снят с публикации",
                       kinds: [.update: "Обновление:", .correction: "Исправление:", .clarification: "Уточнение:"],
                       keyEvents: "Ключевые события", edited: "изменено", alsoIn: "Читайте также", subjects: "Темы", more: "Еще по теме")
            default:
                Labels(by: "By", updated: "Updated", correction: "Correction:", photo: "Photo",
                       withdrawn: "This story has been withdrawn",
                       kinds: [.update: "Update:", .correction: "Correction:", .clarification: "Clarification:"],
                       keyEvents: "Key events", edited: "edited", alsoIn: "Also in", subjects: "Subjects", more: "More on this")
            }
        }
    }

    /// "Update: 26 October 2023, 17:20" (and "(edited …)" when it was).
    func updateHeading(_ update: LiveUpdate) -> String {
        var heading = "\(labels.kinds[update.kind] ?? "") \(Dateline.short(update.localTime, language: edition.lang))"
        if let edited = update.editedLocal { heading += " (\(labels.edited) \(Dateline.short(edited, language: edition.lang)))" }
        return heading
    }

    /// Key events, listed at the top of a long live story (one with more
    /// updates than fit on a screen).
    var keyEvents: [LiveUpdate] {
        edition.updates.count >= 5 ? edition.updates.filter(\.key) : []
    }

    var labels: Labels { .for(edition.lang) }

    var byline: String? {
        guard !edition.bylines.isEmpty else { return nil }
        return "\(labels.by) " + edition.bylines.map { edition.bylineNames[$0] ?? $0 }.joined(separator: ", ")
    }

    var dateline: String? {
        edition.publishedLocal.map { Dateline.full($0, language: edition.lang) }
    }

    var updatedLine: String? {
        guard let updated = edition.updatedLocal, let published = edition.publishedLocal,
              updated.text != published.text else { return nil }
        return "\(labels.updated): \(Dateline.short(updated, language: edition.lang))"
    }

    /// Caption and credit, as under the photo.
    var photoLine: String? {
        guard let photo = edition.photo else { return nil }
        let parts = [photo.caption, photo.credit].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// The story's other editions readers can open (the language switcher).
    var languageLinks: [Edition.OtherEdition] {
        edition.otherEditions.filter { $0.status == .published }
    }

    /// Plain text, for the terminal.
    public func text() -> String {
        var blocks: [String] = []
        var head = [edition.headline]
        if let byline { head.append(byline) }
        if let dateline { head.append(dateline) }
        if let updatedLine { head.append(updatedLine) }
        blocks.append(head.joined(separator: "\n"))
        if edition.status == .withdrawn { blocks.append("[\(labels.withdrawn)]") }
        if let photoLine { blocks.append("[\(labels.photo): \(photoLine)]") }
        if !keyEvents.isEmpty {
            blocks.append(([labels.keyEvents + ":"] + keyEvents.map {
                "- \($0.localTime.text.suffix(5)) \(MarkdownText.plain($0.body).split(separator: "\n").first ?? "")"
            }).joined(separator: "\n"))
        }
        if !edition.lead.isEmpty { blocks.append(edition.lead) }
        let body = MarkdownText.plain(edition.body)
        if !body.isEmpty { blocks.append(body) }
        for update in edition.updates {
            blocks.append("\(updateHeading(update))\n\(MarkdownText.plain(update.body))")
        }
        for correction in edition.corrections {
            blocks.append("\(labels.correction) \(Dateline.short(correction.localTime, language: edition.lang)). \(correction.note)")
        }
        if !edition.subjectNames.isEmpty {
            blocks.append("\(labels.subjects): " + edition.subjectNames.map(\.name).joined(separator: ", "))
        }
        if !languageLinks.isEmpty {
            blocks.append("\(labels.alsoIn): " + languageLinks.map { "\($0.language) (\($0.lang)/\($0.slug))" }.joined(separator: ", "))
        }
        if !edition.related.isEmpty {
            blocks.append(([labels.more + ":"] + edition.related.map { "- \($0.headline) (\(edition.lang)/\($0.slug))" })
                .joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// An HTML fragment safe to embed in a page: every piece of text is
    /// escaped, and the body's Markdown goes through ``SafeHTML``.
    public func html() -> String {
        let e = SafeHTML.escape
        var parts = ["<article lang=\"\(e(edition.lang))\">", "<h1>\(e(edition.headline))</h1>"]
        if let byline { parts.append("<p class=\"byline\">\(e(byline))</p>") }
        if let dateline { parts.append("<p class=\"dateline\"><time>\(e(dateline))</time></p>") }
        if let updatedLine { parts.append("<p class=\"updated\">\(e(updatedLine))</p>") }
        if let photo = edition.photo, SafeHTML.isSafeURL(photo.url) {
            parts.append("<figure><img src=\"\(e(photo.url))\" alt=\"\(e(photo.caption ?? ""))\"/>"
                         + (photoLine.map { "<figcaption>\(e($0))</figcaption>" } ?? "") + "</figure>")
        }
        if !keyEvents.isEmpty {
            parts.append("<nav class=\"key-events\"><h2>\(e(labels.keyEvents))</h2><ul>"
                         + keyEvents.map { "<li><a href=\"#update-\($0.seq)\">\(e(String($0.localTime.text.suffix(5)))) "
                             + "\(e(String(MarkdownText.plain($0.body).split(separator: "\n").first ?? "")))</a></li>" }.joined()
                         + "</ul></nav>")
        }
        if !edition.lead.isEmpty { parts.append("<p class=\"lead\">\(e(edition.lead))</p>") }
        parts.append(SafeHTML.render(markdown: edition.body))
        for update in edition.updates {
            parts.append("<section class=\"update \(update.kind.rawValue)\" id=\"update-\(update.seq)\"><h3>\(e(updateHeading(update)))</h3>"
                         + SafeHTML.render(markdown: update.body) + "</section>")
        }
        for correction in edition.corrections {
            parts.append("<p class=\"correction\">\(e(labels.correction)) "
                         + "\(e(Dateline.short(correction.localTime, language: edition.lang))). \(e(correction.note))</p>")
        }
        if !edition.subjectNames.isEmpty {
            parts.append("<p class=\"subjects\">\(e(labels.subjects)): " + edition.subjectNames.map { e($0.name) }.joined(separator: ", ") + "</p>")
        }
        if !edition.related.isEmpty {
            parts.append("<aside class=\"related\"><h2>\(e(labels.more))</h2><ul>" + edition.related.map {
                "<li><a href=\"/\(e(edition.lang))/\(e($0.slug))\">\(e($0.headline))</a></li>"
            }.joined() + "</ul></aside>")
        }
        if !languageLinks.isEmpty {
            parts.append("<nav class=\"editions\">\(e(labels.alsoIn)): " + languageLinks.map {
                "<a hreflang=\"\(e($0.lang))\" href=\"/\(e($0.lang))/\(e($0.slug))\">\(e($0.language))</a>"
            }.joined(separator: ", ") + "</nav>")
        }
        parts.append("</article>")
        return parts.joined(separator: "\n") + "\n"
    }
}
