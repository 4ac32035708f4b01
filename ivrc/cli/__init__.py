"""The command line: `ivrc.cli.app` (what every command shares), the commands by group, and
the light `lint` path a pre-commit hook takes. The top layer: nothing imports it but
`ivrc.launch`."""
