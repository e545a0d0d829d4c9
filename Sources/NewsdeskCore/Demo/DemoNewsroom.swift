public import PostgresClient

/// A small newsroom to look around in (`newsdesk demo`): staff in four roles,
/// subjects, stories in three languages with live updates, and translations,
/// one of which lags behind its source. Each step is taken by the person
/// whose job it is, under their own login, so the database's rules apply.
public struct DemoNewsroom {
    /// Opens a connection acting as `login` (nil: the operator).
    public let connect: (String?) throws -> Connection

    public init(connect: @escaping (String?) throws -> Connection) {
        self.connect = connect
    }

    static let reporter = "hbondar", editor = "pmelnyk", translator = "oivanova", admin = "akravets"

    /// Whether the demo has been loaded into this database already.
    public func isLoaded() throws -> Bool {
        try StaffDesk(connection: connect(nil)).list().contains { $0.login == Self.reporter }
    }

    /// Loads the newsroom; returns the reference of the English edition of its lead story.
    @discardableResult
    public func load() throws -> String {
        let staff = StaffDesk(connection: try connect(nil))
        _ = try staff.add(
            Self.admin, roles: ["admin", "editor"],
            names: ["uk": "Андрій Кравець", "ru": "Андрей Кравец", "en": "Andrii Kravets"])
        _ = try staff.add(
            Self.editor, roles: ["editor"], names: ["uk": "Петро Мельник", "ru": "Петр Мельник", "en": "Petro Melnyk"])
        _ = try staff.add(
            Self.reporter, roles: ["reporter"],
            names: ["uk": "Галина Бондар", "ru": "Галина Бондарь", "en": "Halyna Bondar"])
        _ = try staff.add(
            Self.translator, roles: ["translator"],
            names: ["uk": "Оксана Іванова", "ru": "Оксана Иванова", "en": "Oksana Ivanova"])

        let subjects = SubjectDesk(connection: try connect(Self.editor))
        _ = try subjects.add("kyiv", names: ["uk": "Київ", "ru": "Киев", "en": "Kyiv"])
        _ = try subjects.add("transport", names: ["uk": "Транспорт", "ru": "Транспорт", "en": "Transport"], parent: nil)
        _ = try subjects.add("weather", names: ["uk": "Погода", "ru": "Погода", "en": "Weather"])

        let reporterDesk = EditionDesk(connection: try connect(Self.reporter))
        let editorDesk = EditionDesk(connection: try connect(Self.editor))
        let reporterUpdates = LiveUpdateDesk(connection: try connect(Self.reporter))
        let translations = TranslationDesk(connection: try connect(Self.translator))
        let reporterTags = SubjectDesk(connection: try connect(Self.reporter))

        // 1. The metro story: three languages, live updates, one translation behind.
        var metro = NewStory(lang: "uk", headline: "Київське метро працюватиме довше в новорічну ніч")
        metro.lead = "Станції метрополітену не зачинятимуться до другої години ночі 1 січня, повідомили в КМДА."
        metro.body = """
            **Джерело:** пресслужба Київського метрополітену

            **Деталі:** Поїзди курсуватимуть з інтервалом 10 хвилин. Вхід на станції «Майдан Незалежності» \
            та «Хрещатик» може обмежуватися через велику кількість пасажирів.
            """
        metro.bylines = [Self.reporter]
        let metroUK = try reporterDesk.createStory(metro)
        _ = try reporterTags.tag(story: metroUK.storyID, ["kyiv", "transport"])
        _ = try reporterDesk.submit(metroUK.reference)
        _ = try editorDesk.publish(metroUK.reference)
        let firstUpdate = try reporterUpdates.add(
            to: metroUK.reference,
            body: "Станція «Хрещатик» працюватиме лише на вихід з 23:00.")
        let metroEN = try translations.translate(
            metroUK.reference, to: "en",
            headline: "Kyiv metro to run late on New Year's Eve",
            lead: "Metro stations will stay open until 2 a.m. on 1 January, the city administration said.",
            body: """
                **Source:** Kyiv Metro press service

                **Details:** Trains will run every 10 minutes. Entry to Maidan Nezalezhnosti and Khreshchatyk \
                stations may be limited because of crowds.
                """)
        _ = try translations.translateUpdate(
            String(firstUpdate.id), to: "en", body: "Khreshchatyk station will be exit-only from 23:00.")
        let metroRU = try translations.translate(
            metroUK.reference, to: "ru",
            headline: "Киевское метро будет работать дольше в новогоднюю ночь",
            lead: "Станции метрополитена не будут закрываться до двух часов ночи 1 января, сообщили в КГГА.",
            body: """
                **Источник:** пресс-служба Киевского метрополитена

                **Детали:** Поезда будут курсировать с интервалом 10 минут. Вход на станции «Майдан Независимости» \
                и «Крещатик» может ограничиваться из-за большого количества пассажиров.
                """)
        _ = try editorDesk.publish(metroEN.reference)
        _ = try editorDesk.publish(metroRU.reference)
        // A second update, translated into English only: Russian misses it.
        let secondUpdate = try reporterUpdates.add(
            to: metroUK.reference,
            body: "Наземний транспорт також працюватиме до 02:00.", key: true)
        _ = try translations.translateUpdate(
            String(secondUpdate.id), to: "en",
            body: "Buses and trams will also run until 02:00.")
        // The source is corrected after translation: both translations now lag behind it.
        _ = try editorDesk.edit(
            metroUK.reference,
            EditionChanges(
                lead: """
                    Станції метрополітену не зачинятимуться до другої години ночі 1 січня, повідомили в Київському метрополітені.
                    """), correction: "Раніше джерелом помилково названо КМДА.")

        // 2. A weather warning with video, in Ukrainian and English.
        var snow = NewStory(lang: "uk", headline: "Синоптики попереджають про сильний снігопад у Києві")
        snow.lead = "У суботу в столиці очікують до 15 сантиметрів снігу та пориви вітру до 20 метрів на секунду."
        snow.video = true
        snow.bylines = [Self.reporter]
        let snowUK = try reporterDesk.createStory(snow)
        _ = try reporterTags.tag(story: snowUK.storyID, ["kyiv", "weather"])
        _ = try editorDesk.publish(snowUK.reference)
        let snowEN = try translations.translate(
            snowUK.reference, to: "en",
            headline: "Forecasters warn of heavy snowfall in Kyiv",
            lead:
                "Up to 15 centimetres of snow and gusts of up to 20 metres per second are expected in the capital on Saturday."
        )
        _ = try editorDesk.publish(snowEN.reference)

        // 3. An English original about a bridge, with one update.
        var bridge = NewStory(lang: "en", headline: "Repairs to Kyiv's Paton Bridge to finish in spring")
        bridge.lead = "The city says the bridge will reopen to all traffic in April."
        bridge.bylines = [Self.reporter]
        let bridgeEN = try reporterDesk.createStory(bridge)
        _ = try reporterTags.tag(story: bridgeEN.storyID, ["kyiv", "transport"])
        _ = try editorDesk.publish(bridgeEN.reference)
        _ = try reporterUpdates.add(to: bridgeEN.reference, body: "One lane towards the left bank reopens on Monday.")

        return try EditionDesk(connection: connect(nil)).show(metroEN.reference).reference
    }
}
