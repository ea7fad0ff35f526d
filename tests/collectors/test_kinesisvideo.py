"""Kinesis Video Streams: every stream is KMS encrypted."""

from scanner.collectors import kinesisvideo
from scanner.records import Hint


def test_sandbox_streams(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(kinesisvideo, "us-east-1")) == {
        ("stream", "video-managed", Hint.KMS, key_arn("us-east-1", "alias/aws/kinesisvideo")),
        ("stream", "video-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
    }


def test_empty_region(on_sandbox):
    assert on_sandbox(kinesisvideo, "us-west-2") == []


def test_stream_without_a_key_is_left_to_the_service_default(stubbed, summary):
    def stub(stubber):
        stubber.add_response("list_streams", {"StreamInfoList": [{"StreamName": "bare"}]})

    assert summary(stubbed(kinesisvideo, stub)) == {("stream", "bare", Hint.KMS, None)}
