"""Prints template.yaml as SAM's translator turns it into CloudFormation, with
the parameters' defaults, as JSON: what CloudFormation would deploy."""
import json
import logging
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


# The translator reports feature toggles it has no configuration for; this
# run wants the defaults.
logging.getLogger("samtranslator").setLevel(logging.ERROR)


class NoManagedPolicies:
    """The template names no managed policy; a lookup would need AWS."""

    def load(self):
        return {}


template = yaml_parse(open(sys.argv[1]).read())
# AWS::LanguageExtensions runs first, as on CloudFormation: it resolves each
# Fn::If from the parameters' defaults (for each Auth: no authorizer).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from samtranslate import resolve_ifs  # noqa: E402

template = resolve_ifs(template, {})
for resource in template["Resources"].values():
    if resource.get("Type") == "AWS::Serverless::Function":
        # sam deploy uploads the code first; any S3 location translates alike.
        resource["Properties"]["CodeUri"] = "s3://bucket/" + resource["Properties"]["CodeUri"] + ".zip"
json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout, indent=1)
