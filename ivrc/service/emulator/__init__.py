"""A local emulator of the Paycall Dynamic Dialer service, for development and CI (`ivrc emulator`)."""

from ivrc.service.emulator.app import Settings, create_app

__all__ = ["Settings", "create_app", "serve"]


def serve(settings: "Settings", host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the emulator until interrupted."""
    import uvicorn

    from ivrc.language.memory import ends_with_its_command
    from ivrc.service.emulator.protocol import HeaderDeadline

    ends_with_its_command(False)  # a server: what it reads is collected as usual
    protocol = type("HeaderDeadline", (HeaderDeadline,), {"header_seconds": settings.header_seconds})
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False, http=protocol)
