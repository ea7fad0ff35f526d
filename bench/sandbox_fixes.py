"""Where moto 5.2.5 pages unlike AWS, made to page like AWS for the benchmark's sandbox only.

Kinesis ListStreams in moto answers ten names, HasMoreStreams, and no NextToken, so every
paginator stops after ten streams; it also returns a summary of every stream on every page.
AWS answers up to Limit (default 100, at most 10,000) names with their summaries and a
NextToken while there are more. This patch, applied in the benchmark's process only, does that.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LIMIT = 100


def apply() -> None:
    """Patch moto's Kinesis ListStreams in this process."""
    from moto.core.responses import ActionResult
    from moto.kinesis.responses import KinesisResponse

    def list_streams(self: Any) -> Any:
        streams = list(self.kinesis_backend.list_streams())
        limit = int(self._get_param("Limit") or DEFAULT_LIMIT)
        token = self._get_param("NextToken") or self._get_param("ExclusiveStartStreamName")
        names = [stream.stream_name for stream in streams]
        start = names.index(token) + 1 if token in names else 0
        page = streams[start : start + limit]
        more = start + limit < len(streams)
        result = {
            "HasMoreStreams": more,
            "StreamNames": [stream.stream_name for stream in page],
            "StreamSummaries": [
                stream.to_json_summary()["StreamDescriptionSummary"] for stream in page
            ],
        }
        if more:
            result["NextToken"] = page[-1].stream_name

        return ActionResult(result)

    KinesisResponse.list_streams = list_streams
