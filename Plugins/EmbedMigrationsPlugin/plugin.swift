import Foundation
import PackagePlugin

/// Embeds every `Migrations/NNNN_name.sql` and `Schema/area.sql` file of the
/// package into the target it is applied to, as a generated Swift file. The
/// build re-runs the tool whenever one of them changes. SwiftPM lists the
/// files when it plans the build, so a new file is seen once the manifest
/// changes; the scripts touch Package.swift when one is newer than the binary.
@main
struct EmbedMigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let files = try ["Migrations", "Schema"].flatMap { folder in
            try FileManager.default
                .contentsOfDirectory(
                    at: context.package.directoryURL.appending(path: folder), includingPropertiesForKeys: nil
                )
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) schema files",
                executable: try context.tool(named: "EmbedMigrations").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
