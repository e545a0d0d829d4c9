public import PostgresClient

/// The kept reader pages (Schema/site.sql, "Kept pages"): each article's
/// document as readers see it, built again by every change that commits,
/// and read by the site instead of composing it at every request.
///
/// A page no change has built (editions loaded in bulk, or every page after
/// names of staff or languages or a setting changed) is still right: the
/// site composes it at each read until it is built. ``keep(on:batch:)``
/// builds them. It needs the schema's owner (the login that migrates).
public enum ReaderPages {
    /// Builds every page readers may see that has no document standing,
    /// `batch` pages a transaction, until a pass finds none to build, and
    /// says how many it built.
    public static func keep(on connection: Connection, batch: Int = 500) throws -> Int {
        var total = 0
        while true {
            let built = try connection.query("SELECT newsroom.keep_pages(\(Int32(clamping: batch))) AS built")[0]
                .decode("built", as: Int32.self)
            if built == 0 { return total }
            total += Int(built)
        }
    }
}
