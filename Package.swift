// swift-tools-version: 6.0
import PackageDescription

// Modules follow the pipeline, arrows one way:
// AccessLog (pure) → Sessionizer (pure) → Journal (write-ahead log) / Tailing (files, zlib) /
// PostgresSink (libpq) → Agent (wiring)
// → sessiontail (CLI).
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
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .target(name: "AccessLog"),
        .target(
            name: "Sessionizer",
            dependencies: ["AccessLog"]
        ),
        .target(
            name: "Tailing",
            dependencies: ["CZlib"]
        ),
        .target(name: "Journal"),
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
            dependencies: ["AccessLog", "Sessionizer", "Journal", "Tailing", "PostgresSink"]
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
            name: "shipbench",
            dependencies: ["PostgresSink", "Sessionizer"],
            path: "Benchmarks/shipbench"
        ),
        .testTarget(
            name: "AccessLogTests",
            dependencies: ["AccessLog", .product(name: "PropertyBased", package: "swift-property-based")]
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
            name: "AgentTests",
            dependencies: ["Agent"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["Agent"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
