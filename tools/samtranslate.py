"""Prints, as JSON, the CloudFormation template that template.yaml becomes
when deployed with the given parameters:

    .venv/bin/python tools/samtranslate.py template.yaml AuthIssuer=https://x AuthAudience=a,b

It runs what `sam validate --language-extensions` runs: SAM CLI's
AWS::LanguageExtensions pass (which resolves Fn::If from the parameters, as
CloudFormation's transform does before SAM's) and then the SAM translator.
No AWS account is needed: the template names no managed policy.
"""

import json
import sys

from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse


class NoManagedPolicies:
    def load(self):
        return {}


def main(path, *overrides):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    params = dict(o.split("=", 1) for o in overrides)
    validator = SamTemplateValidator(
        template,
        NoManagedPolicies(),
        region="us-east-1",
        parameter_overrides=params,
        language_extensions_enabled=True,
    )
    json.dump(yaml_parse(validator.get_translated_template_if_valid()), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
