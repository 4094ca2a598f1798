// swift-tools-version: 6.0
import PackageDescription

// Modules follow the pipeline, arrows one way:
// AccessLog (pure) → Sessionizer (pure) → Journal (write-ahead log) / Tailing (files, zlib) /
// PostgresSink (libpq) → Agent (configuration, pipeline, batch, daemon) → sessiontail (CLI).
// Beside them: SystemIO (system calls, errno), ConfigFile (the YAML subset and typed access to it) and
// Operations (journal logging, sd_notify, status.json, Prometheus), which know nothing of sessions.
// And for privacy and country lookups: ClientAddress (pure: 16-byte addresses, networks) →
// AddressPrivacy (keyed digests, libcrypto) / GeoIP (countries, libmaxminddb).
// ServerConfig (reads nginx's and Apache's own configuration) stands apart.
let package = Package(
    name: "sessiontail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sessiontail", targets: ["sessiontail"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Linux headers Swift's Glibc module leaves out (signalfd, mallopt): headers only, no library.
        .systemLibrary(name: "CLinux"),
        .target(
            name: "SystemIO",
            dependencies: ["CLinux"]
        ),
        .target(name: "ConfigFile"),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .target(name: "AccessLog"),
        // Client addresses as 16-byte values; pure, so that the per-line path can parse and truncate them
        // without allocating.
        .target(name: "ClientAddress"),
        .target(
            name: "AddressPrivacy",
            dependencies: ["ClientAddress", "COpenSSL"]
        ),
        .target(
            name: "GeoIP",
            dependencies: ["ClientAddress", "CMaxMindDB"]
        ),
        .target(
            name: "Sessionizer",
            dependencies: ["AccessLog"]
        ),
        .target(
            name: "Tailing",
            dependencies: ["CZlib", "SystemIO"]
        ),
        .target(
            name: "Journal",
            dependencies: ["SystemIO"]
        ),
        .target(
            name: "Operations",
            dependencies: ["AccessLog", "SystemIO"]
        ),
        .target(name: "ServerConfig"),
        // User-agent families from ua-parser's regexes (Debian's uap-core) through PCRE2; not wired in yet.
        .target(
            name: "UserAgents",
            dependencies: ["CPCRE2"]
        ),
        .target(
            name: "PostgresSink",
            dependencies: ["CLibPQ", "Sessionizer", "AccessLog"]
        ),
        .target(
            name: "Agent",
            dependencies: [
                "AccessLog", "Sessionizer", "Journal", "Tailing", "PostgresSink", "ConfigFile", "Operations",
                "SystemIO", "ClientAddress", "AddressPrivacy", "GeoIP", "ServerConfig", "UserAgents",
            ]
        ),
        .executableTarget(
            name: "sessiontail",
            dependencies: [
                "Agent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "loggen",
            path: "Benchmarks/loggen"
        ),
        .executableTarget(
            name: "parsebench",
            dependencies: ["AccessLog", "Tailing"],
            path: "Benchmarks/parsebench"
        ),
        // Counts malloc and friends, for the benchmarks' "no allocation" figures.
        .target(
            name: "MallocCounter",
            path: "Benchmarks/MallocCounter"
        ),
        .executableTarget(
            name: "uabench",
            dependencies: ["UserAgents", "AccessLog", "MallocCounter"],
            path: "Benchmarks/uabench"
        ),
        .executableTarget(
            name: "privacybench",
            dependencies: ["ClientAddress", "AddressPrivacy", "GeoIP"],
            path: "Benchmarks/privacybench"
        ),
        .executableTarget(
            name: "shipbench",
            dependencies: ["PostgresSink", "Sessionizer"],
            path: "Benchmarks/shipbench"
        ),
        .testTarget(
            name: "AccessLogTests",
            dependencies: ["AccessLog", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ClientAddressTests",
            dependencies: ["ClientAddress", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AddressPrivacyTests",
            dependencies: [
                "AddressPrivacy", "ClientAddress", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "GeoIPTests",
            dependencies: ["GeoIP", "ClientAddress", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SessionizerTests",
            dependencies: [
                "Sessionizer", "AccessLog", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "TailingTests",
            dependencies: ["Tailing"]
        ),
        .testTarget(
            name: "UserAgentsTests",
            dependencies: ["UserAgents", "AccessLog"]
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: ["Journal"]
        ),
        .testTarget(
            name: "PostgresSinkTests",
            dependencies: ["PostgresSink", "Sessionizer"]
        ),
        .testTarget(
            name: "ConfigFileTests",
            dependencies: ["ConfigFile"]
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: ["Operations"]
        ),
        .testTarget(
            name: "ServerConfigTests",
            dependencies: ["ServerConfig", "AccessLog", "Agent", "ConfigFile"]
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: ["Agent", "ConfigFile", "Operations", "Tailing", "Journal", "Sessionizer", "PostgresSink"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["Agent"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
