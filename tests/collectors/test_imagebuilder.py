"""EC2 Image Builder (stubbed: moto has no Image Builder): components and image recipes."""

from scanner.collectors import imagebuilder
from scanner.records import Hint

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PREFIX = "arn:aws:imagebuilder:us-east-1:123456789012"


def test_components_and_recipes(stubbed, summary):
    version = f"{PREFIX}:component/setup/1.0.0"
    builds = [f"{version}/1", f"{version}/2"]
    recipe = f"{PREFIX}:image-recipe/base/1.0.0"

    def stub(stubber):
        stubber.add_response(
            "list_components", {"componentVersionList": [{"arn": version}]}, {"owner": "Self"}
        )
        stubber.add_response(
            "list_component_build_versions",
            {"componentSummaryList": [{"arn": arn} for arn in builds]},
            {"componentVersionArn": version},
        )
        stubber.add_response(
            "get_component",
            {"component": {"arn": builds[0], "kmsKeyId": KEY}},
            {"componentBuildVersionArn": builds[0]},
        )
        stubber.add_response(
            "get_component",
            {"component": {"arn": builds[1]}},
            {"componentBuildVersionArn": builds[1]},
        )
        stubber.add_response(
            "list_image_recipes", {"imageRecipeSummaryList": [{"arn": recipe}]}, {"owner": "Self"}
        )
        stubber.add_response(
            "get_image_recipe",
            {
                "imageRecipe": {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": True, "kmsKeyId": KEY}},
                        {"deviceName": "/dev/xvdb", "ebs": {"encrypted": True}},
                        {"deviceName": "/dev/xvdc", "ebs": {"encrypted": False}},
                        {"deviceName": "/dev/xvdd", "noDevice": ""},
                    ]
                }
            },
            {"imageRecipeArn": recipe},
        )

    assert summary(stubbed(imagebuilder, stub)) == {
        ("component", "setup/1.0.0/1", Hint.KMS, KEY),
        ("component", "setup/1.0.0/2", Hint.AWS_OWNED, None),
        ("image_recipe", "base/1.0.0//dev/xvda", Hint.KMS, KEY),
    }


def test_empty_account(stubbed):
    def stub(stubber):
        stubber.add_response("list_components", {"componentVersionList": []})
        stubber.add_response("list_image_recipes", {"imageRecipeSummaryList": []})

    assert stubbed(imagebuilder, stub) == []
