"""The language: `.ivr` text to a typed AST and back (grammar, parser, transformer, printer,
incremental parsing, suppressions), the semantic model, diagnostics, configuration, phone
numbers and files. The bottom layer: it imports nothing else of ivrc."""
