"""Intrinsic functions resolved against local resources, creation order of the template's
resources (a dead-letter queue before the queue that names it), the functions' shared
environment with its local overrides, and how a batch response is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hearth_dev.local.consumers import failed_ids
from hearth_dev.local.environment import LocalSecrets, apply, function_environment, local_overrides
from hearth_dev.local.intrinsics import NO_VALUE, Resolver, Unresolvable, references
from hearth_dev.sam.template import Template, load_template

ROOT = Path(__file__).resolve().parents[2]

RAW: dict[str, Any] = {
    "Parameters": {
        "Stage": {"Type": "String", "Default": "dev"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
        "Secret": {"Type": "String"},
    },
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "NotProd"}, {"Fn::Equals": ["a", "a"]}]},
    },
    "Mappings": {"Sizes": {"dev": {"Memory": 256}}},
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
}


def resolver(**parameters: str) -> Resolver:
    return Resolver(
        RAW,
        parameters=parameters,
        ref=lambda lid: f"https://queue/{lid}",
        getatt=lambda lid, attr: f"arn:{lid}:{attr}",
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "Queue"}, "https://queue/Queue"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:Queue:Arn"),
        ({"Fn::Sub": "${AWS::StackName}-${Stage}-${Queue.Arn}"}, "hearth-local-dev-arn:Queue:Arn"),
        ({"Fn::Sub": ["${Name}/${!Literal}", {"Name": {"Ref": "Stage"}}]}, "dev/${Literal}"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["Both", "yes", "no"]}, "yes"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-dev"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 256),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Ref": "Subnets"}, []),
        ({"Ref": "Secret"}, ""),
        ({"Fn::ToJsonString": {"a": [1]}}, '{"a":[1]}'),
    ],
)
def test_intrinsics(expression: Any, expected: Any) -> None:
    assert resolver().resolve(expression) == expected


def test_parameter_overrides_and_no_value() -> None:
    r = resolver(Stage="prod")
    assert r.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert r.resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    assert r.resolve([1, {"Ref": "AWS::NoValue"}]) == [1]
    assert r.ref("AWS::NoValue") is NO_VALUE
    assert r.unset_parameters() == ["Secret", "Subnets"]


def test_unknown_names_and_parameters_are_errors() -> None:
    with pytest.raises(Unresolvable):
        resolver().resolve({"Ref": "Nope"})
    with pytest.raises(Unresolvable):
        resolver().resolve({"Fn::ImportValue": "shared-vpc"})
    with pytest.raises(Unresolvable):
        resolver(Nope="1")


def test_references() -> None:
    assert references({"A": {"Fn::Sub": "${X}-${Y.Arn}-${!Z}-${AWS::Region}"}, "B": [{"Ref": "W"}]}) == {
        "X",
        "Y",
        "W",
        "AWS::Region",
    }


def test_dead_letter_queues_are_created_first() -> None:
    from hearth_dev.local.aws import LocalAws

    raw = {
        "Resources": {
            "Main": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
            },
            "Key": {"Type": "AWS::KMS::Key"},
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}}},
        }
    }
    aws = LocalAws("http://127.0.0.1:1", Template(root=ROOT, raw=raw, functions={}))
    assert aws.creation_order() == ["Key", "Dlq", "Main"]


def test_the_real_template_resolves_with_local_overrides(tmp_path: Path) -> None:
    """Every variable of every function resolves (nothing unresolved), AWS-only settings are
    replaced, and the queue variables point at moto."""
    from hearth_dev.local.aws import LocalAws, MotoServer

    template = load_template(ROOT)
    with MotoServer() as moto:
        endpoint = moto.endpoint
        aws = LocalAws(endpoint, template)
        aws.provision()
        env = function_environment(template, aws.resolver)
        assert env.unresolved == []
        assert env.conflicts == {}
        secrets = LocalSecrets.load(tmp_path, environ={})
        assert LocalSecrets.load(tmp_path, environ={}) == secrets  # kept between runs
        result = apply(
            env.variables,
            local_overrides(
                app_url="postgresql://app",
                system_url="postgresql://sys",
                secrets=secrets,
                aws_endpoint=moto.endpoint,
            ),
            environ={"AWS_PROFILE": "real-account", "HEARTH_DB_SECRET_ARN": "arn:real"},
        )
    assert "AWS_PROFILE" not in result
    assert "HEARTH_DB_SECRET_ARN" not in result
    assert result["HEARTH_DATABASE_URL"] == "postgresql://app"
    assert result["HEARTH_STAGE"] == "local"
    assert result["AWS_ENDPOINT_URL"] == endpoint
    # The user pool's issuer (the pool is created in moto); development tokens name their own.
    pool = result["HEARTH_COGNITO_USER_POOL_ID"]
    assert result["HEARTH_JWT_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert result["HEARTH_COGNITO_CLIENT_ID"]
    for name, value in result.items():
        if name.endswith("_QUEUE_URL"):
            assert value.startswith(endpoint), (name, value)


def test_conflicting_values_are_reported() -> None:
    raw = {
        "Resources": {
            "A": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "a.handler",
                    "CodeUri": "f/",
                    "Environment": {"Variables": {"MODE": "fast"}},
                },
            },
            "B": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Handler": "b.handler",
                    "CodeUri": "f/",
                    "Environment": {"Variables": {"MODE": "slow"}},
                },
            },
        }
    }
    from hearth_dev.sam import template as sam_template

    functions = sam_template._functions(raw, ROOT, ROOT, None, {})
    env = function_environment(Template(root=ROOT, raw=raw, functions=functions), Resolver(raw))
    assert env.conflicts == {"MODE": {"A": "fast", "B": "slow"}}


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "other"}]}, None),  # not in the batch: all fail
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": [{}]}, None),
    ],
)
def test_batch_item_failures(result: Any, expected: set[str] | None) -> None:
    assert failed_ids(result, {"m1", "m2"}) == expected
