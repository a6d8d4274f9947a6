// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flinkctl",
    products: [
        .executable(name: "flinkctl", targets: ["flinkctl"]),
        .executable(name: "flinkctl-container", targets: ["flinkctl-container"]),
    ],
    // Exactly the versions this package is built and tested with (the
    // machines' package mirror holds these); widen a range only after testing it.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // C wrappers: the only modules that import C libraries directly.
        // libcurl through dlopen (headers from libcurl4-openssl-dev): loaded on first use.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(
            name: "CKrb5",
            pkgConfig: "krb5-gssapi",
            providers: [.apt(["libkrb5-dev"])]
        ),
        .target(name: "CSpawn"),
        // Extended attributes and renameat2, for the embedded cluster's HDFS store.
        .target(name: "CFileSystem"),
        .target(name: "ProcessSpawn", dependencies: ["CSpawn"]),

        // Domain modules.
        // What every module shares: the error model, one atomic write, one
        // YAML writer, timestamps and quoting. Imports nothing of ours.
        .target(name: "FlinkctlBase"),
        .target(name: "HTTPTransport", dependencies: ["CCurl"]),
        .target(name: "Hadoop", dependencies: ["FlinkctlBase", "HTTPTransport"]),
        .target(name: "Kerberos", dependencies: ["CKrb5", "FlinkctlBase"]),
        .target(name: "Flink", dependencies: ["FlinkctlBase", "HTTPTransport"]),
        // What the client and the containers share: the deployment record,
        // the staging area, the JobManager's address, the job's result.
        .target(name: "DeploymentModel", dependencies: ["FlinkctlBase", "Flink", "Hadoop", "HTTPTransport"]),
        // The deployment lifecycle the command line drives: submit, follow,
        // status, cancel, savepoint, redeploy, run, list, destroy.
        .target(name: "Deploy", dependencies: ["FlinkctlBase", "DeploymentModel", "Flink", "Hadoop", "HTTPTransport"]),
        // What runs in the containers; it shares records with Deploy, not code.
        .target(name: "AppMaster", dependencies: ["FlinkctlBase", "DeploymentModel", "Flink", "Hadoop", "HTTPTransport", "Kerberos", "ProcessSpawn"]),
        .target(
            name: "YarnLocal",
            dependencies: [
                "FlinkctlBase", "Hadoop", "ProcessSpawn", "Kerberos", "CFileSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "FlinkctlSecurity",
            dependencies: [
                "FlinkctlBase",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),

        // Command line: a library of commands, and a thin executable.
        .target(
            name: "FlinkctlCLI",
            dependencies: [
                "FlinkctlBase", "Hadoop", "YarnLocal", "HTTPTransport", "ProcessSpawn", "FlinkctlSecurity", "Flink",
                "DeploymentModel", "Deploy", "AppMaster", "Kerberos",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "flinkctl",
            dependencies: ["FlinkctlCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // Position-dependent: no relative relocations to apply at every start
            // (the CLI starts per command; see BENCHMARKS.md). No exported
            // dynamic symbols: the runtime's start-up dladdr scans them all.
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"], .when(configuration: .release))]
        ),

        // What runs in a deployment's containers (appmaster, taskmanager): only
        // the modules the appmaster needs, so it stays small beside the JVM.
        .executableTarget(
            name: "flinkctl-container",
            dependencies: ["AppMaster", "Flink"],
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(configuration: .release))]
        ),

        // Tests.
        .target(name: "TestSupport", dependencies: ["Hadoop", "HTTPTransport"], path: "Tests/TestSupport"),
        .testTarget(name: "HTTPTransportTests", dependencies: ["HTTPTransport", "Hadoop", "TestSupport"]),
        .testTarget(name: "HadoopTests", dependencies: ["Hadoop", "TestSupport"]),
        .testTarget(name: "FlinkTests", dependencies: ["Flink", "Deploy", "DeploymentModel", "Hadoop", "FlinkctlBase", "FlinkctlSecurity", "YarnLocal", "TestSupport"]),
        .testTarget(name: "DeployTests", dependencies: ["Deploy", "DeploymentModel", "Flink", "FlinkctlBase", "Hadoop", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["FlinkctlCLI", "FlinkctlBase", "Flink", "Hadoop", "HTTPTransport", "Kerberos", "FlinkctlSecurity", "YarnLocal", "ProcessSpawn", "TestSupport"]),
        .testTarget(name: "YarnLocalTests", dependencies: ["YarnLocal", "Hadoop", "ProcessSpawn", "TestSupport", "FlinkctlBase"]),
        .testTarget(name: "SecurityTests", dependencies: ["FlinkctlSecurity"]),
        .testTarget(name: "FlinkctlBaseTests", dependencies: ["FlinkctlBase"]),
        // The embedded cluster's core, driven by events and a test clock (no processes).
        .testTarget(name: "ClusterCoreTests", dependencies: ["YarnLocal", "Hadoop", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "KerberosTests", dependencies: ["Kerberos", "Hadoop", "HTTPTransport", "YarnLocal", "TestSupport"]),
    ]
)
