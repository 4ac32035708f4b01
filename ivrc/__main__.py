"""`python -m ivrc` runs the CLI."""

from ivrc.launch import main

main()
