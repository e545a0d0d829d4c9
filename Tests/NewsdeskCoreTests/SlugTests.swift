import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Slugs and transliteration")
struct SlugTests {
    @Test("every pair of the Ukrainian national table (2010) comes out right")
    func ukrainianTable() throws {
        let pairs = try SharedFixtures.transliterationPairs()
        #expect(pairs.count > 70)
        for (ukrainian, latin) in pairs {
            #expect(Transliteration.ukrainian(ukrainian) == latin.lowercased(), "\(ukrainian)")
            #expect(
                Slug.make(from: ukrainian, language: "uk") == latin.lowercased().replacing(" ", with: "-"),
                "\(ukrainian)")
        }
    }

    @Test("the sample story's headlines give the expected slugs")
    func fixtureSlugs() throws {
        let story = try SharedFixtures.newsroom().story
        for lang in ["uk", "en"] {
            let edition = try #require(story.editions[lang])
            #expect(Slug.make(from: edition.headline, language: lang) == edition.expectedSlug, "\(lang)")
        }
    }

    @Test(
        "Russian follows ICAO Doc 9303",
        arguments: [
            ("Киевсовет созывает внеочередную сессию", "kievsovet-sozyvaet-vneocherednuiu-sessiiu"),
            ("Щёлково, Подъём, Объявление", "shchelkovo-podieem-obieiavlenie"),
            ("Хабаровск и Цхинвали", "khabarovsk-i-tskhinvali"),
            ("Эксперт: рыба", "ekspert-ryba")
        ])
    func russian(_ headline: String, _ slug: String) {
        #expect(Slug.make(from: headline, language: "ru") == slug)
    }

    @Test(
        "English keeps its letters and digits, drops accents and punctuation",
        arguments: [
            ("Kyiv City Council calls emergency session", "kyiv-city-council-calls-emergency-session"),
            ("Café owners' 2024 plans — «final»!", "cafe-owners-2024-plans-final"),
            ("Kyiv metro to run late on New Year’s Eve", "kyiv-metro-to-run-late-on-new-years-eve"),
            ("  Spaces   everywhere  ", "spaces-everywhere"),
            ("Ærø & Straße", "aero-strasse")
        ])
    func english(_ headline: String, _ slug: String) {
        #expect(Slug.make(from: headline, language: "en") == slug)
    }

    @Test("control, bidi-override and zero-width characters never reach a slug")
    func hostileCharacters() {
        let slug = Slug.make(from: "Ki\u{202E}yiv\u{200B} news\u{0007}\u{2066}today\u{200D}", language: "en")
        #expect(slug == "ki-yiv-news-today")
        #expect(Slug.isValid(slug))
    }

    @Test("long headlines are cut at a word, within the byte limit")
    func long() {
        let slug = Slug.make(from: String(repeating: "Верховна Рада ухвалила закон ", count: 10), language: "uk")
        #expect(slug.utf8.count <= Slug.maximumLength)
        #expect(!slug.hasSuffix("-"))
        #expect(Slug.isValid(slug))
    }

    @Test("a headline with no letters gives an empty slug (the database then names it story)")
    func empty() {
        #expect(Slug.make(from: "!!! — ???", language: "uk") == "")
    }
}
