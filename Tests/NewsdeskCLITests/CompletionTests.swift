import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Shell completion from the newsroom")
struct CompletionTests {
    /// What bash offers after `words` (the last one being typed), through the
    /// script `newsdesk --generate-completion-script bash` prints, as a shell
    /// with it loaded would ask.
    static func complete(_ newsroom: TestNewsroom, _ words: [String]) throws -> [String] {
        let binary = CommandLineTool.binary.path
        let quoted = ([binary] + words).map { "'\($0)'" }.joined(separator: " ")
        let script = """
            source <("\(binary)" --generate-completion-script bash)
            COMP_WORDS=(\(quoted))
            COMP_CWORD=\(words.count)
            COMP_LINE="${COMP_WORDS[*]}"
            COMP_POINT=${#COMP_LINE}
            _newsdesk "\(binary)" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let variables = newsroom.environment.map { "\($0.key)=\($0.value)" }
        let result = try CommandLineTool.runProgram("/usr/bin/env", variables + ["/bin/bash", "-c", script])
        guard result.status == 0 else { throw TestSetupError("bash completion failed: \(result)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test("bash completes languages, subjects and active staff logins from the database; nothing when it has none")
    func completes() throws {
        let newsroom = try TestNewsroom("completion")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv"]).status == 0)
        #expect(try newsroom.run(["subject", "add", "kharkiv", "--name", "en=Kharkiv"]).status == 0)
        #expect(try newsroom.run(["subject", "add", "energy", "--name", "en=Energy"]).status == 0)
        let suffix = UUID().uuidString.prefix(6).lowercased()
        try newsroom.addStaff("cmp_active_\(suffix)", ["reporter"])
        try newsroom.addStaff("cmp_gone_\(suffix)", ["reporter"])
        #expect(try newsroom.run(["staff", "deactivate", "cmp_gone_\(suffix)"]).status == 0)

        #expect(try Self.complete(newsroom, ["story", "new", "--lang", ""]) == ["uk", "ru", "en"])
        #expect(try Self.complete(newsroom, ["translate", "1", "--to", "r"]) == ["ru"])
        #expect(try Self.complete(newsroom, ["feed", "--subject", "k"]) == ["kharkiv", "kyiv"])
        #expect(try Self.complete(newsroom, ["tag", "1", "e"]) == ["energy"])
        #expect(try Self.complete(newsroom, ["list", "--as", "cmp_"]) == ["cmp_active_\(suffix)"])
        #expect(try Self.complete(newsroom, ["staff", "deactivate", "cmp_a"]) == ["cmp_active_\(suffix)"])
        #expect(try Self.complete(newsroom, ["feed", "--subject", "zz"]).isEmpty)
    }

    @Test("the help says how to turn completion on")
    func documented() throws {
        let help = try CommandLineTool.run(["--help"], environment: ProcessInfo.processInfo.environment)
        #expect(help.status == 0)
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("source <(newsdesk --generate-completion-script bash)"), "\(help.stdout)")
    }
}
