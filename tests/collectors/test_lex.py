"""Lex V2: audio logs of bot aliases (stubbed: moto lacks bot aliases' log settings)."""

from scanner.collectors import lex
from scanner.records import Hint
from tests.collectors.second_client import stub_client

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BOT = "BOTID12345"


def _audio(key: str | None) -> dict:
    bucket = {"s3BucketArn": "arn:aws:s3:::audio", "logPrefix": "x"}
    if key:
        bucket["kmsKeyArn"] = key
    return {
        "conversationLogSettings": {
            "audioLogSettings": [{"enabled": True, "destination": {"s3Bucket": bucket}}]
        }
    }


def test_sandbox_empty_account(on_sandbox):
    assert on_sandbox(lex, "us-east-1") == []


def test_bot_aliases(stubbed, summary, monkeypatch):
    stub_client(monkeypatch, "lex-models", lambda s: s.add_response("get_bots", {}))

    def stub(stubber):
        stubber.add_response("list_bots", {"botSummaries": [{"botId": BOT}]})
        stubber.add_response(
            "list_bot_aliases",
            {
                "botAliasSummaries": [
                    {"botAliasId": "KEYED00001"},
                    {"botAliasId": "PLAIN00001"},
                    {"botAliasId": "NOLOGS0001"},
                ]
            },
            {"botId": BOT},
        )
        stubber.add_response(
            "describe_bot_alias", _audio(KEY), {"botId": BOT, "botAliasId": "KEYED00001"}
        )
        stubber.add_response(
            "describe_bot_alias", _audio(None), {"botId": BOT, "botAliasId": "PLAIN00001"}
        )
        stubber.add_response("describe_bot_alias", {}, {"botId": BOT, "botAliasId": "NOLOGS0001"})

    assert summary(stubbed(lex, stub)) == {
        ("bot_alias", f"{BOT}/KEYED00001", Hint.KMS, KEY),
        ("bot_alias", f"{BOT}/PLAIN00001", Hint.KMS_AMBIGUOUS, None),
    }
