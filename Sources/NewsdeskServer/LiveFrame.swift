import Foundation
import NewsdeskCore

/// One server-sent event of a live page (the WHATWG `text/event-stream`
/// format): `id:` the change's id, so that a reconnecting browser's
/// `Last-Event-ID` resumes after it; `event:` its kind; `data:` one line of
/// JSON with the update's id, seq and, when added or edited, its section as
/// the page shows it.
struct LiveFrame: Sendable {
    let id: Int64
    let editionID: Int64
    let kind: String
    let text: String

    /// Readers may no longer see the edition (withdrawn, or held back until
    /// a later time): its stream ends after this frame, and the page reloads.
    var endsStream: Bool { kind == "edition.withdrawn" || kind == "edition.hidden" }

    /// A comment line, sent to every open page now and then.
    static let heartbeat = LiveFrame(id: 0, editionID: 0, kind: "", text: ": still here\n\n")

    private init(id: Int64, editionID: Int64, kind: String, text: String) {
        self.id = id
        self.editionID = editionID
        self.kind = kind
        self.text = text
    }

    init(_ change: PublicChange) {
        struct Data: Encodable {
            let id: Int64
            let kind: String
            let updateID: Int64?
            let seq: Int?
            let html: String?

            enum CodingKeys: String, CodingKey {
                case id, kind, seq, html
                case updateID = "update_id"
            }
        }
        var seq: Int?
        var html: String?
        if let document = change.update {
            if let update = try? LiveUpdate(json: document) {
                seq = update.seq
                if change.kind != "update.withdrawn" {
                    html = ReaderView.updateSection(update, language: change.lang)
                }
            } else if case .object(let fields) = document, case .integer(let number)? = fields["seq"] {
                seq = Int(number)
            }
        }
        let data = Data(id: change.id, kind: change.kind, updateID: change.updateID, seq: seq, html: html)
        // JSONEncoder writes no raw newline (they are escaped in strings), so the data is one line.
        let json = (try? SiteJSON.encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.init(
            id: change.id, editionID: change.editionID, kind: change.kind,
            text: "id: \(change.id)\nevent: \(change.kind)\ndata: \(json)\n\n")
    }
}
