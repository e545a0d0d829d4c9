/// Columns of a table the tool prints, kept aligned whatever they hold.
///
/// Each column but the last (which runs to the end of its line) is as wide as
/// its usual width, or wider when a cell needs it: an address or name longer
/// than usual then moves its whole column, not the rest of its own line.
struct Columns {
    private let widths: [Int]

    /// Widths for `rows` (every line the table will print, the heading
    /// included), each at least the matching entry of `usual`.
    init(_ rows: [[String]], usual: [Int]) {
        widths = usual.enumerated().map { column, width in
            rows.reduce(width) { widest, row in column < row.count ? max(widest, row[column].count + 1) : widest }
        }
    }

    /// One line of the table: every cell padded to its column, the last as it is.
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in column < widths.count ? cell.padding(widths[column]) : cell }
            .joined()
    }
}

extension String {
    /// The text followed by spaces up to `width` characters, or by one space
    /// when it is already that long.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
