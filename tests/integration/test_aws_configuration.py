"""On AWS the functions read their database credentials from Secrets Manager and the API key
pepper from SSM (through Powertools parameters); here both come from moto."""

from __future__ import annotations

import hashlib
import hmac
import json

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from psycopg.conninfo import conninfo_to_dict

from hearth import db
from hearth.auth import api_keys
from hearth.settings import settings


@pytest.fixture
def aws(monkeypatch):
    with mock_aws():
        parameters.clear_caches()
        settings.cache_clear()
        yield monkeypatch
    parameters.clear_caches()
    settings.cache_clear()


def test_database_credentials_come_from_the_secret_and_are_refetched_after_rotation(aws, database):
    target = conninfo_to_dict(database["app"])
    secrets = boto3.client("secretsmanager")
    secret = {
        "username": "hearth_app",
        "password": "unused-with-trust-auth",
        "host": target.get("host", "127.0.0.1"),
        "port": 1,
        "dbname": target["dbname"],
        "engine": "postgres",
    }
    arn = secrets.create_secret(Name="hearth/app", SecretString=json.dumps(secret))["ARN"]
    aws.delenv("HEARTH_DATABASE_URL")
    aws.setenv("HEARTH_DB_SECRET_ARN", arn)
    aws.setenv("HEARTH_DB_NAME", target["dbname"])
    aws.setenv("HEARTH_DB_SSLMODE", "disable")
    aws.setenv("HEARTH_DB_HOST", target.get("host", "127.0.0.1"))
    # The environment cached the secret when it named a dead port; it was since rotated.
    assert parameters.get_secret(arn, transform="json", max_age=300)["port"] == 1
    secrets.put_secret_value(
        SecretId=arn, SecretString=json.dumps({**secret, "port": int(target.get("port", 5432))})
    )
    db_app = db.Database("app")
    conn = db_app.connection()
    assert conn.execute("SELECT current_user AS u").fetchone() == {"u": "hearth_app"}
    db_app.discard()


def test_the_pepper_comes_from_ssm(aws):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/hearth/api-key-pepper", Value="from-ssm", Type="SecureString")
    aws.delenv("HEARTH_API_KEY_PEPPER")
    aws.setenv("HEARTH_API_KEY_PEPPER_PARAMETER", "/hearth/api-key-pepper")
    secret = "hk_" + "C" * 40
    assert api_keys.digest(secret) == hmac.new(b"from-ssm", secret.encode(), hashlib.sha256).digest()
