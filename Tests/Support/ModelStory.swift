import Foundation
public import NewsdeskCore
import PostgresClient

/// The sample newsroom's story (SPEC §6, Tests/Fixtures/newsroom.json) as the
/// site carries it: its staff and subjects, the Ukrainian original published
/// at the fixture's time, Russian and English translations published too,
/// the live update in all three languages, and a second story with video so
/// that "Recent news" has both markers.
public struct ModelStory: Sendable {
    public let ukrainian: Edition
    public let russian: Edition
    public let english: Edition
    public let other: Edition

    /// Builds it in `newsroom` through the built binary, as the newsroom's people would.
    public init(in newsroom: TestNewsroom) throws {
        let sample = try SharedFixtures.newsroom()
        func run(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
            let result = try newsroom.run(arguments, stdin: stdin)
            guard result.status == 0 else {
                throw TestSetupError("newsdesk \(arguments.joined(separator: " ")) failed: \(result)")
            }
            return result
        }
        func edition(_ arguments: [String], stdin: String? = nil) throws -> Edition {
            try NewsroomJSON.decoder().decode(
                Edition.self, from: Data(try run(arguments + ["--json"], stdin: stdin).stdout.utf8))
        }
        for person in sample.staff {
            var arguments = ["staff", "add", person.login]
            for role in person.roles { arguments += ["--role", role] }
            for (lang, name) in person.names.sorted(by: { $0.key < $1.key }) {
                arguments += ["--name", "\(lang)=\(name)"]
            }
            _ = try run(arguments)
        }
        for subject in sample.subjects {
            var arguments = ["subject", "add", subject.slug]
            for (lang, name) in subject.names.sorted(by: { $0.key < $1.key }) {
                arguments += ["--name", "\(lang)=\(name)"]
            }
            _ = try run(arguments)
        }
        let story = sample.story
        let original = try required(story.editions["uk"])
        var arguments = [
            "story", "new", "--lang", "uk", "--headline", original.headline, "--lead", original.lead, "--body-file",
            "-",
            "--photo", story.photo.url, "--caption", original.caption, "--credit", original.credit
        ]
        for login in story.bylines { arguments += ["--byline", login] }
        for subject in story.subjects { arguments += ["--subject", subject] }
        let draft = try edition(arguments, stdin: original.body)
        _ = try run(["publish", draft.reference])
        var translations: [String: Edition] = [:]
        for lang in ["ru", "en"] {
            let text = try required(story.editions[lang])
            let translation = try edition(
                [
                    "translate", draft.reference, "--to", lang, "--headline", text.headline, "--lead", text.lead,
                    "--caption", text.caption, "--credit", text.credit, "--body-file", "-"
                ], stdin: text.body)
            _ = try run(["publish", translation.reference])
            translations[lang] = translation
        }
        // Dated as the fixture says (publication happened "now"), as an archive import would.
        try newsroom.connect().execute(
            """
            UPDATE newsroom.edition SET published_at = \(story.publishedUTC)::timestamptz,
                updated_at = \(story.publishedUTC)::timestamptz WHERE story_id = \(draft.storyID)
            """)
        for update in story.liveUpdates {
            let bodies = update.body
            let added = try NewsroomJSON.decoder().decode(
                LiveUpdate.self,
                from: Data(
                    try run(["update", "add", draft.reference, "--body", try required(bodies["uk"]), "--json"]).stdout
                        .utf8))
            for lang in ["ru", "en"] {
                _ = try run([
                    "update", "translate", String(added.id), "--to", lang, "--body", try required(bodies[lang])
                ])
            }
        }
        var video = NewStory(lang: "en", headline: "Snow closes schools in Kyiv")
        video.video = true
        let desk = try newsroom.desk()
        other = try desk.publish(desk.createStory(video).reference)
        ukrainian = try newsroom.json(Edition.self, ["show", draft.reference])
        russian = try newsroom.json(Edition.self, ["show", try required(translations["ru"]).reference])
        english = try newsroom.json(Edition.self, ["show", try required(translations["en"]).reference])
    }
}

/// What the fixture must have, or a setup error.
func required<T>(_ value: T?, _ what: String = "a value the fixture has") throws -> T {
    guard let value else { throw TestSetupError("missing \(what)") }
    return value
}
