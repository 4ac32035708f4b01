"""The build: a flow to the service's request (emit, schema), the JSON front end and the
decompiler, personal campaigns' templates and recipients, and the library API (`ivrc.analyze`,
`ivrc.compile`, ...). It may import the checks and the language."""
