print("pixwizard: the CLI lands with the daemon")
