import ArgumentParser
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads what a person typed: option values, files, stdin. Everything goes
/// through ``TextField`` so bad input is refused with the field named (exit 65).
enum TextInput {
    /// The value of `--body TEXT` or the contents of `--body-file FILE` (`-` for stdin).
    static func body(text: String?, file: String?, field: TextField = .body) throws -> String? {
        if text != nil && file != nil {
            throw ValidationError("Give the body with --body or --body-file, not both.")
        }
        if let text { return try field.clean(text) }
        guard let file else { return nil }
        return try field.clean(bytes: try readAll(file, field: field.name))
    }

    /// Checks an optional option value.
    /// A whole number the database keeps as `integer` (versions, limits):
    /// refused in Swift, naming the field, rather than overflowing there.
    @discardableResult
    static func int32(_ value: Int, field: String) throws -> Int {
        guard value >= 0, value <= Int(Int32.max) else {
            throw NewsdeskError(
                .badInput, "\(field): \(value) is out of range; give a whole number from 0 to \(Int32.max).")
        }
        return value
    }

    static func optional(_ value: String?, _ field: TextField) throws -> String? {
        try value.map { try field.clean($0) }
    }

    /// The bytes of `path`, or of stdin for `-`.
    static func readAll(_ path: String, field: String) throws -> [UInt8] {
        let descriptor = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NewsdeskError(.badInput, "\(field): cannot read \(path): \(String(cString: strerror(errno))).")
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw NewsdeskError(.badInput, "\(field): reading \(path) failed: \(String(cString: strerror(errno))).")
            }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }

    /// Refuses command-line arguments that are not valid UTF-8, naming the
    /// option they belong to. (Swift would otherwise quietly replace the bad
    /// bytes with U+FFFD before anything could check them.)
    static func checkArguments() throws {
        var previous = "newsdesk"
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                    count: strlen(pointer)))
            guard let argument = String(validating: bytes, as: UTF8.self) else {
                let name = previous.hasPrefix("--") ? previous.dropFirst(2) : "argument \(index)"
                throw NewsdeskError(
                    .badInput, "\(name) is not valid UTF-8 (at byte \(TextField.firstInvalidUTF8Offset(bytes))).")
            }
            previous = argument
        }
    }
}
