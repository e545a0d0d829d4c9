import ArgumentParser
import NewsdeskCore
import ServeOptions

#if canImport(Glibc)
import Glibc
#endif

/// `newsdesk serve`: runs the site's web server, `newsdesk-server`, which is
/// built beside `newsdesk` as a program of its own so that no other command
/// loads (or starts up) its HTTP stack.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the site: its pages, feeds, JSON API and live updates over HTTP.",
        discussion: """
            Reads as the login newsdesk_site, which sees only what readers may see. Prints \
            "Listening on http://HOST:PORT" once it accepts requests; stops on Ctrl-C or SIGTERM. \
            Routes, caching and limits: docs/serving.md.
            """)

    @OptionGroup var options: ServeOptions

    func run() throws {
        let server = Self.serverPath()
        guard access(server, X_OK) == 0 else {
            throw NewsdeskError(
                .unavailable,
                "The web server is not built at \(server); build it with: swift build -c release --product newsdesk-server"
            )
        }
        try ProcessRunner.replaceProcess(with: [server] + options.arguments)
    }

    /// `newsdesk-server` in the directory this program was started from.
    static func serverPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let own =
            length > 0
            ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
        let directory = own.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (directory.isEmpty ? "." : directory) + "/newsdesk-server"
    }
}
