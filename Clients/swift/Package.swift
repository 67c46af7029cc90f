// swift-tools-version: 6.1
// A third-party package using PixClient as a dependency (here by path; elsewhere by URL).
import PackageDescription

let package = Package(
    name: "PixWizardSwiftExample",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "PixWizard", path: "../..")],
    targets: [
        .executableTarget(name: "pixwizard-swift-edit", dependencies: [.product(name: "PixClient", package: "PixWizard")]),
    ]
)
