"""Listings ask for full pages and follow every token: nothing past a first page is lost."""

from __future__ import annotations

from scanner.collectors import kinesis, sqs, ssm

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/"


def test_queues_past_the_first_thousand_are_listed(stubbed):
    def stub(stubber):
        stubber.add_response(
            "list_queues",
            {"QueueUrls": [QUEUE + "q1"], "NextToken": "page-2"},
            {"MaxResults": 1000},
        )
        stubber.add_response(
            "list_queues",
            {"QueueUrls": [QUEUE + "q2"]},
            {"MaxResults": 1000, "NextToken": "page-2"},
        )
        for name in ("q1", "q2"):
            stubber.add_response(
                "get_queue_attributes",
                {"Attributes": {"QueueArn": f"arn:aws:sqs:us-east-1:123456789012:{name}"}},
                {"QueueUrl": QUEUE + name, "AttributeNames": ["All"]},
            )

    found = stubbed(sqs, stub)

    assert sorted(r.resource_id for r in found) == ["q1", "q2"]


def test_parameters_are_read_fifty_a_page(stubbed):
    def stub(stubber):
        stubber.add_response(
            "describe_parameters",
            {"Parameters": [{"Name": "/a", "Type": "String"}], "NextToken": "t"},
            {"MaxResults": 50},
        )
        stubber.add_response(
            "describe_parameters",
            {"Parameters": [{"Name": "/b", "Type": "SecureString", "KeyId": "alias/aws/ssm"}]},
            {"MaxResults": 50, "NextToken": "t"},
        )

    found = stubbed(ssm, stub)

    assert [(r.resource_id, r.key_reference) for r in found] == [
        ("/a", None),
        ("/b", "alias/aws/ssm"),
    ]


def test_streams_past_the_first_page_are_listed(stubbed):
    def stub(stubber):
        stubber.add_response(
            "list_streams",
            {"StreamNames": ["s1"], "HasMoreStreams": True, "NextToken": "s1"},
            {"Limit": 10000},
        )
        stubber.add_response(
            "list_streams",
            {"StreamNames": ["s2"], "HasMoreStreams": False},
            {"Limit": 10000, "NextToken": "s1"},
        )
        for name in ("s1", "s2"):
            stubber.add_response(
                "describe_stream_summary",
                {
                    "StreamDescriptionSummary": {
                        "StreamName": name,
                        "StreamARN": f"arn:aws:kinesis:us-east-1:123456789012:stream/{name}",
                        "StreamStatus": "ACTIVE",
                        "RetentionPeriodHours": 24,
                        "StreamCreationTimestamp": "2026-01-01T00:00:00Z",
                        "EnhancedMonitoring": [],
                        "OpenShardCount": 1,
                        "EncryptionType": "NONE",
                    }
                },
                {"StreamName": name},
            )

    found = stubbed(kinesis, stub)

    assert sorted(r.resource_id for r in found) == ["s1", "s2"]


def test_sandbox_pages_kinesis_streams_like_aws(sandbox):
    client = sandbox.client("kinesis", "us-east-1")

    first = client.list_streams(Limit=1)
    rest = client.list_streams(Limit=100, NextToken=first["NextToken"])

    assert first["HasMoreStreams"] and len(first["StreamNames"]) == 1
    assert first["StreamNames"][0] not in rest["StreamNames"]
    assert len(first["StreamNames"]) + len(rest["StreamNames"]) == 3
