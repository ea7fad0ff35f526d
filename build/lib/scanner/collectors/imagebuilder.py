"""EC2 Image Builder: the account's components and the keys its image recipes name."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "imagebuilder"
CLIENT = "imagebuilder"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Component build versions and image recipes that the account owns."""
    versions = [
        item["arn"]
        async for item in scope.pages("list_components", "componentVersionList", owner="Self")
    ]
    async for resources in scope.each(lambda arn: _builds(scope, arn), versions):
        for resource in resources:
            yield resource

    recipes = [
        item["arn"]
        async for item in scope.pages("list_image_recipes", "imageRecipeSummaryList", owner="Self")
    ]
    async for resources in scope.each(lambda arn: _recipe(scope, arn), recipes):
        for resource in resources:
            yield resource


async def _builds(scope: Scope, version_arn: str) -> list[Resource]:
    pages = scope.pages(
        "list_component_build_versions",
        "componentSummaryList",
        componentVersionArn=version_arn,
    )
    return [await _component(scope, build["arn"]) async for build in pages]


async def _component(scope: Scope, arn: str) -> Resource:
    resource_id = arn.split(":component/", 1)[-1]
    reply = await scope.detail(
        "get_component", tolerate={"ResourceNotFoundException"}, componentBuildVersionArn=arn
    )
    if reply.error_code:
        return scope.resource(
            "component", resource_id, arn, Hint.UNREADABLE, error_code=reply.error_code
        )

    key = reply.data.get("component", {}).get("kmsKeyId")
    if key:
        return scope.resource("component", resource_id, arn, Hint.KMS, key)

    # Components without a key are encrypted with a key Image Builder owns.
    return scope.resource("component", resource_id, arn, Hint.AWS_OWNED, detail="no kmsKeyId")


async def _recipe(scope: Scope, arn: str) -> list[Resource]:
    resource_id = arn.split(":image-recipe/", 1)[-1]
    reply = await scope.detail(
        "get_image_recipe", tolerate={"ResourceNotFoundException"}, imageRecipeArn=arn
    )
    if reply.error_code:
        return [
            scope.resource(
                "image_recipe", resource_id, arn, Hint.UNREADABLE, error_code=reply.error_code
            )
        ]

    mappings = reply.data.get("imageRecipe", {}).get("blockDeviceMappings", [])
    # A mapping with no key follows the account's EBS default at build time; the EBS
    # collector reports the snapshots built from it with their real key.
    return [
        scope.resource(
            "image_recipe",
            f"{resource_id}/{mapping.get('deviceName', '')}",
            arn,
            Hint.KMS,
            mapping["ebs"]["kmsKeyId"],
        )
        for mapping in mappings
        if mapping.get("ebs", {}).get("kmsKeyId")
    ]
