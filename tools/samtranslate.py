"""Prints, as JSON, the CloudFormation template that template.yaml becomes
when deployed with the given parameters:

    .venv/bin/python tools/samtranslate.py template.yaml AuthIssuer=https://x AuthAudience=a,b

or, with --expand, the template as written with only its Fn::ForEach loops
expanded: what the Go tests read as "the template".

First what AWS::LanguageExtensions does for this template on CloudFormation:
each Fn::ForEach loop becomes its copies (cfn-lint's expansion, the one
`make lint` checks), each Fn::If whose condition the parameters decide
becomes its branch, and AWS::NoValue removes its key. Then the SAM
translator, as `sam validate` runs it (no AWS account needed: the template
names no managed policy), given the parameter values as CloudFormation hands
them to a transform: a CommaDelimitedList as a list.

SAM CLI 1.170.0 has its own local pass for the transform, but it also turns
every Fn::Sub naming a resource into a plain string ("${Fn}:live"), which
would hide broken alarm dimensions from the tests. So here the loops are
expanded by cfn-lint, which keeps each Fn::Sub that still names something,
and each Fn::If is resolved; SAM CLI's pass is run beside it to check the
two agree on every Auth, the property that needs the transform's Fn::If.
"""

import json
import logging
import sys
from types import SimpleNamespace

from cfnlint.decode import decode_str
from cfnlint.template.transforms._language_extensions import language_extension
from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse

NO_VALUE = {"Ref": "AWS::NoValue"}

# The translator reports feature toggles it has no configuration for.
logging.getLogger("samtranslator").setLevel(logging.ERROR)


def parameter_values(template, overrides):
    values = {}
    for name, spec in template.get("Parameters", {}).items():
        value = overrides.get(name, spec.get("Default"))
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = value.split(",")
        values[name] = value
    return values


def condition(template, params, expr):
    """Evaluates a condition expression from the parameters alone."""
    if isinstance(expr, dict) and len(expr) == 1:
        (fn, arg), = expr.items()
        if fn == "Condition":
            return condition(template, params, template["Conditions"][arg])
        if fn == "Fn::Not":
            return not condition(template, params, arg[0])
        if fn == "Fn::And":
            return all(condition(template, params, a) for a in arg)
        if fn == "Fn::Or":
            return any(condition(template, params, a) for a in arg)
        if fn == "Fn::Equals":
            return value(params, arg[0]) == value(params, arg[1])
    raise ValueError(f"cannot evaluate condition {expr!r}")


def value(params, v):
    if isinstance(v, dict) and list(v) == ["Ref"]:
        return params[v["Ref"]]
    return v


def resolve_ifs(template, overrides):
    """Returns template with every Fn::If resolved, as the transform does."""
    params = parameter_values(template, overrides)

    def walk(node):
        if isinstance(node, dict):
            if list(node) == ["Fn::If"]:
                name, then, other = node["Fn::If"]
                return walk(then if condition(template, params, {"Condition": name}) else other)
            out = {}
            for k, v in node.items():
                v = walk(v)
                if v != NO_VALUE:
                    out[k] = v
            return out
        if isinstance(node, list):
            return [x for x in (walk(x) for x in node) if x != NO_VALUE]
        return node

    resolved = dict(template)
    resolved["Resources"] = walk(template["Resources"])
    return resolved


def auths(node, path=""):
    """Every Auth property in node, by where it is."""
    found = {}
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Auth":
                found[path + "/Auth"] = v
            found.update(auths(v, path + "/" + k))
    return found


class NoManagedPolicies:
    def load(self):
        return {}


def expand_loops(path, text):
    """Returns the template with every Fn::ForEach expanded, as plain data."""
    template, matches = decode_str(text)
    if matches:
        sys.exit(f"{path}: {matches}")
    matches, expanded = language_extension(SimpleNamespace(template=template, filename=path, regions=["us-east-1"]))
    if matches or expanded is None:
        sys.exit(f"{path}: Fn::ForEach: {matches}")
    expanded = json.loads(json.dumps(expanded))
    if "Fn::ForEach" in json.dumps(expanded):
        sys.exit(f"{path}: a loop is left after expansion")
    return expanded


def main(*args):
    expand_only = args[:1] == ("--expand",)
    path, *args = args[1:] if expand_only else args
    with open(path, encoding="utf-8") as f:
        text = f.read()
    template = expand_loops(path, text)
    if expand_only:
        json.dump(template, sys.stdout, indent=1, sort_keys=True)
        return
    overrides = dict(a.split("=", 1) for a in args)
    resolved = resolve_ifs(template, overrides)
    samcli = expand_language_extensions(yaml_parse(text), dict(overrides), enabled=True).expanded_template
    params = parameter_values(template, overrides)

    def refs(node):  # SAM CLI's pass also writes in parameter values
        if isinstance(node, dict):
            if list(node) == ["Ref"] and node["Ref"] in params:
                return params[node["Ref"]]
            return {k: refs(v) for k, v in node.items()}
        if isinstance(node, list):
            return [refs(x) for x in node]
        return node

    mine, theirs = refs(auths(resolved["Resources"])), auths(samcli["Resources"])
    if json.dumps(mine, sort_keys=True) != json.dumps(theirs, sort_keys=True):
        sys.exit(f"SAM CLI's language extensions resolve Auth otherwise:\n{theirs}\nhere:\n{mine}")
    validator = SamTemplateValidator(resolved, NoManagedPolicies(), region="us-east-1", parameter_overrides=params)
    json.dump(yaml_parse(validator.get_translated_template_if_valid()), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
