import ArgumentParser

/// The `pixwizard` executable: thin subcommands over PixServer and PixClient.
@main
struct PixwizardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pixwizard",
        abstract: "PixWizard: instruction-driven image editing on the CPU, served over a Unix socket and TCP.",
        version: "0.1.0",
        // One line per subcommand.
        subcommands: [
            ServeCommand.self,
            EditCommand.self,
            ModelsCommand.self,
            HealthCommand.self,
            InfoCommand.self,
            BatchCommand.self,
        ])
}
