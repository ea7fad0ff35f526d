"""WorkSpaces: root and user volume encryption of each WorkSpace."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "workspaces"
CLIENT = "workspaces"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """WorkSpaces, from the listing alone."""
    async for workspace in scope.pages("describe_workspaces", "Workspaces"):
        workspace_id = workspace["WorkspaceId"]
        arn = scope.arn("workspaces", f"workspace/{workspace_id}")
        root = bool(workspace.get("RootVolumeEncryptionEnabled"))
        user = bool(workspace.get("UserVolumeEncryptionEnabled"))
        detail = (
            f"RootVolumeEncryption={str(root).lower()} UserVolumeEncryption={str(user).lower()}"
        )
        if root or user:
            key = workspace.get("VolumeEncryptionKey")
            yield scope.resource("workspace", workspace_id, arn, Hint.KMS, key, detail)
        else:
            yield scope.resource("workspace", workspace_id, arn, Hint.NOT_ENCRYPTED, detail=detail)
