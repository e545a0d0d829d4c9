// swift-tools-version: 6.1
import PackageDescription

/// Every target is built with the same settings: Swift 6 language mode (strict
/// concurrency checking is complete in it) plus upcoming features that keep
/// imports explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility")
]

let package = Package(
    name: "Newsdesk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "newsdesk", targets: ["newsdesk"]),
        // The site's web server, its own executable so that the CLI does not
        // link (or start up) SwiftNIO; `newsdesk serve` runs it.
        .executable(name: "newsdesk-server", targets: ["NewsdeskServer"]),
        .library(name: "NewsdeskCore", targets: ["NewsdeskCore"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The server only. No default traits: they pull in swift-configuration
        // and full Foundation, which the server does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already Hummingbird's: the server stops its own services in order.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already Hummingbird's: the HTTP/1 pipeline the site's connections are built on.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0")
    ],
    targets: [
        // libpq itself: a module map and a shim header, nothing else.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // libcmark, the CommonMark reference implementation in C: a module map and a shim header.
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"])]
        ),
        // Knows PostgreSQL, knows nothing about news.
        .target(
            name: "PostgresClient",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),
        // The newsroom: schema migrations, the embedded database, and (later) the repositories.
        .target(
            name: "NewsdeskCore",
            dependencies: [
                "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
                "CCmark",
                .product(name: "Crypto", package: "swift-crypto")
            ],
            plugins: ["EmbedMigrationsPlugin"]
        ),
        // The options of `newsdesk serve`, shared by the CLI, which checks
        // them, and the server, which runs with them.
        .target(
            name: "ServeOptions",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The command-line tool: parse, call the core, print.
        .executableTarget(
            name: "newsdesk",
            dependencies: [
                "NewsdeskCore", "PostgresClient", "ServeOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        // `newsdesk serve`: the site's pages, JSON API and live updates over
        // HTTP, reading as the site's login through a pool of libpq
        // connections, each on its own thread.
        .executableTarget(
            name: "NewsdeskServer",
            dependencies: [
                "NewsdeskCore", "PostgresClient", "ServeOptions",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        // Build-time tool: turns Migrations/*.sql into Swift string literals so
        // the binary carries its schema and works from any directory.
        .executableTarget(name: "EmbedMigrations"),
        .plugin(
            name: "EmbedMigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"]
        ),
        // Helpers the test targets share: a fresh database per test, the built binary.
        .target(
            name: "NewsdeskTestSupport",
            dependencies: ["PostgresClient", "NewsdeskCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "NewsdeskTestSupport"]),
        .testTarget(name: "NewsdeskCoreTests", dependencies: ["NewsdeskCore", "PostgresClient", "NewsdeskTestSupport"]),
        .testTarget(name: "NewsdeskCLITests", dependencies: ["NewsdeskCore", "PostgresClient", "NewsdeskTestSupport"]),
        .testTarget(
            name: "NewsdeskServerTests",
            dependencies: [
                "NewsdeskCore", "PostgresClient", "NewsdeskTestSupport",
                .product(name: "Crypto", package: "swift-crypto")
            ])
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
