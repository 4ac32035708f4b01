"""The language server (`ivrc lsp`): the server and its checking (`server`), and what it
answers an editor (`features`, `editing`). A top layer: it may import everything but the command line."""
