"""Running flows: the simulator, flow tests, and call records (the CDR format), which are what
runs leave behind. It may import the build, the checks and the language."""
