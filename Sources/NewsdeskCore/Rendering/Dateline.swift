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

    static let english = Names(
        weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        months: [
            "January", "February", "March", "April", "May", "June", "July", "August", "September",
            "October", "November", "December"
        ])
    static let ukrainian = Names(
        weekdays: ["Понеділок", "Вівторок", "Середа", "Четвер", "Пʼятниця", "Субота", "Неділя"],
        months: [
            "січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
            "жовтня", "листопада", "грудня"
        ])
    static let russian = Names(
        weekdays: ["Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье"],
        months: [
            "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
            "октября", "ноября", "декабря"
        ])

    /// The names for `language`: English for languages without their own.
    /// (A switch, not a dictionary: every live update on a page asks.)
    static func names(_ language: String) -> Names {
        switch language {
        case "uk": ukrainian
        case "ru": russian
        default: english
        }
    }

    /// The full dateline of a local time in `language`, its weekday
    /// capitalised as it opens the line.
    public static func full(_ time: LocalTime, language: String) -> String {
        let names = names(language)
        guard let parts = Parts(time.text), (1...7).contains(time.weekday) else { return time.text }
        return
            "\(names.weekdays[time.weekday - 1]), \(parts.day) \(names.months[parts.month - 1]) \(parts.year), \(parts.clock)"
    }

    /// "26 October 2023, 16:43" — for corrections and updates.
    public static func short(_ time: LocalTime, language: String) -> String {
        let names = names(language)
        guard let parts = Parts(time.text) else { return time.text }
        return "\(parts.day) \(names.months[parts.month - 1]) \(parts.year), \(parts.clock)"
    }

    /// The pieces of `YYYY-MM-DD HH:MM`, as the database writes a local time.
    struct Parts {
        let year: Int
        let month: Int
        let day: Int
        let clock: Substring

        init?(_ text: String) {
            let utf8 = Array(text.utf8)
            guard utf8.count == 16, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"),
                utf8[10] == UInt8(ascii: " "), utf8[13] == UInt8(ascii: ":"),
                let year = Self.number(utf8[0..<4]), let month = Self.number(utf8[5..<7]),
                let day = Self.number(utf8[8..<10]), (1...12).contains(month),
                Self.number(utf8[11..<13]) != nil, Self.number(utf8[14..<16]) != nil
            else { return nil }
            self.year = year
            self.month = month
            self.day = day
            clock = text.suffix(5)
        }

        private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
            var value = 0
            for digit in digits {
                guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(digit - UInt8(ascii: "0"))
            }
            return value
        }
    }
}
