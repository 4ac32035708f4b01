"""`python -m ivrc` runs the CLI."""

from ivrc.cli import main

main()
