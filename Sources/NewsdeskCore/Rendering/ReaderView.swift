#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An edition as the site shows it (SPEC §6), in plain text or HTML: the
/// headline, byline, local date, photo line ("Caption. Photo: Credit"), lead,
/// body, live updates, corrections, subjects, the language switch ("Укр Рус
/// Eng", the current one marked) and related stories. An edition readers
/// cannot see yet, or any more, says so at the top.
public struct ReaderView {
    public let edition: Edition
    /// The moment the view is for: an embargo that has lifted by then is not shown.
    public let now: Date

    public init(edition: Edition, now: Date = Date()) {
        self.edition = edition
        self.now = now
    }

    /// Labels in the edition's language.
    struct Labels {
        let by: String
        let translatedBy: String
        let updated: String
        let correction: String
        let photo: String
        let withdrawn: String
        let scheduled: String
        let embargoed: String
        /// Labels of live updates by kind: "Update:", "Correction:", "Clarification:".
        let kinds: [UpdateKind: String]
        let keyEvents: String
        let edited: String
        let subjects: String
        let more: String

        static func `for`(_ language: String) -> Labels {
            switch language {
            case "uk":
                Labels(
                    by: "Автор:", translatedBy: "Переклад:", updated: "Оновлено", correction: "Виправлення:",
                    photo: "Фото",
                    withdrawn: "Матеріал знято з публікації", scheduled: "Буде опубліковано",
                    embargoed: "Під ембарго до",
                    kinds: [.update: "Оновлення:", .correction: "Виправлення:", .clarification: "Уточнення:"],
                    keyEvents: "Ключові події", edited: "змінено", subjects: "Теми", more: "Більше на цю тему")
            case "ru":
                Labels(
                    by: "Автор:", translatedBy: "Перевод:", updated: "Обновлено", correction: "Исправление:",
                    photo: "Фото",
                    withdrawn: "Материал снят с публикации", scheduled: "Будет опубликовано",
                    embargoed: "Под эмбарго до",
                    kinds: [.update: "Обновление:", .correction: "Исправление:", .clarification: "Уточнение:"],
                    keyEvents: "Ключевые события", edited: "изменено", subjects: "Темы", more: "Еще по теме")
            default:
                Labels(
                    by: "By", translatedBy: "Translated by", updated: "Updated", correction: "Correction:",
                    photo: "Photo",
                    withdrawn: "This story has been withdrawn", scheduled: "To be published",
                    embargoed: "Embargoed until",
                    kinds: [.update: "Update:", .correction: "Correction:", .clarification: "Clarification:"],
                    keyEvents: "Key events", edited: "edited", subjects: "Subjects", more: "More on this")
            }
        }
    }

    /// "Update: 26 October 2023, 17:20" (and "(edited …)" when it was).
    func updateHeading(_ update: LiveUpdate) -> String {
        var heading = "\(labels.kinds[update.kind] ?? "") \(Dateline.short(update.localTime, language: edition.lang))"
        if let edited = update.editedLocal {
            heading += " (\(labels.edited) \(Dateline.short(edited, language: edition.lang)))"
        }
        return heading
    }

    /// Key events, listed at the top of a long live story (one with more
    /// updates than fit on a screen).
    var keyEvents: [LiveUpdate] {
        edition.updates.count >= 5 ? edition.updates.filter(\.key) : []
    }

    var labels: Labels { .for(edition.lang) }

    /// "By Olena Marchenko", and after it, for a translation, "Translated by Iryna Koval".
    var byline: String? {
        guard !edition.bylines.isEmpty else { return nil }
        var line = "\(labels.by) " + edition.bylines.map { edition.bylineNames[$0] ?? $0 }.joined(separator: ", ")
        if !edition.translators.isEmpty {
            line +=
                ". \(labels.translatedBy) "
                + edition.translators.map { edition.translatorNames[$0] ?? $0 }.joined(separator: ", ")
        }
        return line
    }

    var dateline: String? {
        edition.publishedLocal.map { Dateline.full($0, language: edition.lang) }
    }

    var updatedLine: String? {
        guard let updated = edition.updatedLocal, let published = edition.publishedLocal,
            updated.text != published.text
        else { return nil }
        return "\(labels.updated): \(Dateline.short(updated, language: edition.lang))"
    }

    /// "Caption. Photo: Credit", as under the photo on the site. A credit
    /// that already starts with the label ("Фото: пресслужба") keeps it once.
    var photoLine: String? {
        guard let photo = edition.photo else { return nil }
        var caption = Self.trimmed(photo.caption)
        if let last = caption.last, !".!?…".contains(last) { caption += "." }
        var credit = Self.trimmed(photo.credit)
        if !credit.isEmpty && !credit.lowercased().hasPrefix(labels.photo.lowercased() + ":") {
            credit = "\(labels.photo): \(credit)"
        }
        let line = [caption, credit].filter { !$0.isEmpty }.joined(separator: " ")
        return line.isEmpty ? nil : line
    }

    /// Why readers cannot see the edition now, if they cannot: withdrawn,
    /// scheduled for later, or under an embargo that has not lifted.
    var notice: (kind: String, text: String)? {
        switch edition.status {
        case .withdrawn:
            return ("withdrawn", labels.withdrawn + (edition.withdrawalReason.map { ": \($0)" } ?? "."))
        case .scheduled:
            let when = edition.scheduledLocal.map { " " + Dateline.full($0, language: edition.lang) } ?? ""
            return ("scheduled", labels.scheduled + when + ".")
        default:
            guard let until = edition.embargoUntil, until > now else { return nil }
            let when = edition.embargoLocal.map { " " + Dateline.full($0, language: edition.lang) } ?? ""
            return ("embargoed", labels.embargoed + when + ".")
        }
    }

    /// The language switch: every edition readers can open, and this one,
    /// each by the first three letters of its language's own name, as the
    /// site shows them ("Укр Рус Eng").
    var languageSwitch: [(edition: Edition.LanguageEdition, current: Bool)] {
        let shown = edition.languageEditions.filter { $0.id == edition.id || $0.visible }
        guard shown.count > 1 else { return [] }
        return shown.map { ($0, $0.id == edition.id) }
    }

    static func trimmed(_ text: String?) -> String {
        let text = text ?? ""
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    static func shortName(_ language: String) -> String {
        String(language.prefix(3))
    }

    /// Plain text, for the terminal.
    public func text() -> String {
        var blocks: [String] = []
        var head = [edition.headline]
        if let byline { head.append(byline) }
        if let dateline { head.append(dateline) }
        if let updatedLine { head.append(updatedLine) }
        blocks.append(head.joined(separator: "\n"))
        if let notice { blocks.append("[\(notice.text)]") }
        if !languageSwitch.isEmpty {
            blocks.append(
                languageSwitch.map {
                    $0.current ? "[\(Self.shortName($0.edition.language))]" : Self.shortName($0.edition.language)
                }
                .joined(separator: " "))
        }
        if let photoLine { blocks.append("[\(photoLine)]") }
        if !keyEvents.isEmpty {
            blocks.append(
                ([labels.keyEvents + ":"]
                    + keyEvents.map {
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
            blocks.append(
                "\(labels.correction) \(Dateline.short(correction.localTime, language: edition.lang)). \(correction.note)"
            )
        }
        if !edition.subjectNames.isEmpty {
            blocks.append("\(labels.subjects): " + edition.subjectNames.map(\.name).joined(separator: ", "))
        }
        if !edition.related.isEmpty {
            blocks.append(
                ([labels.more + ":"] + edition.related.map { "- \($0.headline) (\(edition.lang)/\($0.slug))" })
                    .joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// One live update as the page shows it, `<section class="update" id="update-SEQ">`:
    /// what a live page adds or replaces when an update arrives.
    public func updateSection(_ update: LiveUpdate) -> String {
        Self.updateSection(update, language: edition.lang)
    }

    /// The same, for an update that arrives without its edition (a live page).
    public static func updateSection(_ update: LiveUpdate, language: String) -> String {
        let labels = Labels.for(language)
        let e = SafeHTML.escape
        func time(_ date: Date?, _ text: String) -> String {
            date.map { "<time datetime=\"\(RFC3339.string(from: $0))\">\(e(text))</time>" } ?? e(text)
        }
        // `update`, or `update correction`: the kind is a second class only when it adds one.
        let classes = update.kind == .update ? "update" : "update \(update.kind.rawValue)"
        var heading =
            "\(e(labels.kinds[update.kind] ?? "")) \(time(update.postedAt, Dateline.short(update.localTime, language: language)))"
        if let edited = update.editedLocal {
            heading +=
                " (\(e(labels.edited)) \(time(update.editedAt, Dateline.short(edited, language: language))))"
        }
        return "<section class=\"\(classes)\" id=\"update-\(update.seq)\"><h3>\(heading)</h3>"
            + SafeHTML.render(markdown: update.body) + "</section>"
    }

    /// An HTML fragment safe to embed in a page: every piece of text is
    /// escaped, and the body's Markdown goes through ``SafeHTML``. Links are
    /// the site's own relative paths; times carry `datetime` in UTC.
    public func html() -> String {
        let e = SafeHTML.escape
        func time(_ date: Date?, _ text: String) -> String {
            date.map { "<time datetime=\"\(RFC3339.string(from: $0))\">\(e(text))</time>" } ?? e(text)
        }
        var parts = ["<article lang=\"\(e(edition.lang))\">"]
        if !languageSwitch.isEmpty {
            parts.append(
                "<nav class=\"languages\">"
                    + languageSwitch.map { item in
                        let name = e(Self.shortName(item.edition.language))
                        return item.current
                            ? "<strong lang=\"\(e(item.edition.lang))\" aria-current=\"page\">\(name)</strong>"
                            : "<a lang=\"\(e(item.edition.lang))\" hreflang=\"\(e(item.edition.lang))\" "
                                + "href=\"/\(e(item.edition.lang))/\(e(item.edition.slug))\">\(name)</a>"
                    }.joined(separator: " ") + "</nav>")
        }
        if let notice { parts.append("<p class=\"notice \(notice.kind)\">\(e(notice.text))</p>") }
        parts.append("<h1>\(e(edition.headline))</h1>")
        if let byline { parts.append("<p class=\"byline\">\(e(byline))</p>") }
        if let dateline { parts.append("<p class=\"dateline\">\(time(edition.publishedAt, dateline))</p>") }
        if updatedLine != nil, let updated = edition.updatedLocal {
            parts.append(
                "<p class=\"updated\">\(e(labels.updated)): \(time(edition.updatedAt, Dateline.short(updated, language: edition.lang)))</p>"
            )
        }
        if let photo = edition.photo, SafeHTML.isSafeURL(photo.url) {
            parts.append(
                "<figure><img src=\"\(e(photo.url))\" alt=\"\(e(photo.caption ?? ""))\" />"
                    + (photoLine.map { "<figcaption>\(e($0))</figcaption>" } ?? "") + "</figure>")
        }
        if !keyEvents.isEmpty {
            parts.append(
                "<nav class=\"key-events\"><h2>\(e(labels.keyEvents))</h2><ul>"
                    + keyEvents.map {
                        "<li><a href=\"#update-\($0.seq)\">\(e(String($0.localTime.text.suffix(5)))) "
                            + "\(e(String(MarkdownText.plain($0.body).split(separator: "\n").first ?? "")))</a></li>"
                    }.joined()
                    + "</ul></nav>")
        }
        if !edition.lead.isEmpty { parts.append("<p class=\"lead\">\(e(edition.lead))</p>") }
        parts.append(SafeHTML.render(markdown: edition.body))
        for update in edition.updates { parts.append(updateSection(update)) }
        for correction in edition.corrections {
            parts.append(
                "<p class=\"correction\">\(e(labels.correction)) "
                    + "\(time(correction.at, Dateline.short(correction.localTime, language: edition.lang))). \(e(correction.note))</p>"
            )
        }
        if !edition.subjectNames.isEmpty {
            parts.append(
                "<p class=\"subjects\">\(e(labels.subjects)): "
                    + edition.subjectNames.map {
                        "<a href=\"/\(e(edition.lang))/subjects/\(e($0.slug))\">\(e($0.name))</a>"
                    }.joined(separator: ", ") + "</p>")
        }
        if !edition.related.isEmpty {
            parts.append(
                "<aside class=\"related\"><h2>\(e(labels.more))</h2><ul>"
                    + edition.related.map {
                        "<li><a href=\"/\(e(edition.lang))/\(e($0.slug))\">\(e($0.headline))</a></li>"
                    }.joined() + "</ul></aside>")
        }
        parts.append("</article>")
        return parts.joined(separator: "\n") + "\n"
    }
}
