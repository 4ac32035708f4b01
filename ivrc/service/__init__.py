"""The service: the API client, deploys and their journals, personal campaigns' sending and
results, and the local emulator. It may import running flows, the build, the checks and the
language; never insight, never the command line."""
