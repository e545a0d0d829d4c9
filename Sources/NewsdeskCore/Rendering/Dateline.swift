/// Dates as readers of each language expect them: "Thursday, 26 October 2023,
/// 16:43", "Четвер, 26 жовтня 2023, 16:43", "Четверг, 26 октября 2023, 16:43".
///
/// The names are written out here for the newsroom's languages: ICU's date
/// formats (through full Foundation) would load locale data on every command,
/// and Ukrainian and Russian need the genitive month, which they give anyway.
public enum Dateline {
    /// Weekday (ISO, Monday = 1) and month names per language.
    struct Names {
        let weekdays: [String]
        let months: [String]
    }

    static let names: [String: Names] = [
        "en": Names(
            weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            months: [
                "January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"
            ]),
        "uk": Names(
            weekdays: ["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"],
            months: [
                "січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
                "жовтня", "листопада", "грудня"
            ]),
        "ru": Names(
            weekdays: ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"],
            months: [
                "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                "октября", "ноября", "декабря"
            ])
    ]

    /// The full dateline of a local time in `language` (English names for
    /// languages without their own).
    public static func full(_ time: LocalTime, language: String) -> String {
        let names = names[language] ?? names["en"]!
        guard let parts = Parts(time.text), (1...7).contains(time.weekday) else { return time.text }
        let weekday = names.weekdays[time.weekday - 1]
        return
            "\(weekday.prefix(1).uppercased())\(weekday.dropFirst()), \(parts.day) \(names.months[parts.month - 1]) \(parts.year), \(parts.clock)"
    }

    /// "26 October 2023, 16:43" — for corrections and updates.
    public static func short(_ time: LocalTime, language: String) -> String {
        let names = names[language] ?? names["en"]!
        guard let parts = Parts(time.text) else { return time.text }
        return "\(parts.day) \(names.months[parts.month - 1]) \(parts.year), \(parts.clock)"
    }

    /// The pieces of `YYYY-MM-DD HH:MM`.
    struct Parts {
        let year: Int
        let month: Int
        let day: Int
        let clock: String

        init?(_ text: String) {
            let pieces = text.split(separator: " ")
            guard pieces.count == 2 else { return nil }
            let date = pieces[0].split(separator: "-").compactMap { Int($0) }
            guard date.count == 3, (1...12).contains(date[1]) else { return nil }
            year = date[0]
            month = date[1]
            day = date[2]
            clock = String(pieces[1])
        }
    }
}
