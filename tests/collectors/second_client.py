"""Stub a second client a collector opens besides its own (Lex V1, Redshift Serverless)."""

from __future__ import annotations

from collections.abc import Callable

from aiobotocore.stub import AioStubber

from scanner.engine import Aws


def stub_client(monkeypatch, name: str, stub: Callable) -> Callable[[], None]:
    """Answer the named client from stubbed responses; returns a check that all were used."""
    original = Aws.client
    stubbers: list[AioStubber] = []

    async def client(self: Aws, client_name: str, region: str):
        made = await original(self, client_name, region)
        if client_name == name and not stubbers:
            stubber = AioStubber(made)
            stub(stubber)
            stubber.activate()
            stubbers.append(stubber)

        return made

    monkeypatch.setattr(Aws, "client", client)

    def check() -> None:
        assert stubbers, f"the collector never opened a {name} client"
        stubbers[0].assert_no_pending_responses()

    return check
