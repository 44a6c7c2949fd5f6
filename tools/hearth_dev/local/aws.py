"""AWS services for the local stack: a moto server on loopback, and in it every resource the
template declares that moto can hold — SQS queues (dead-letter queues first, so the redrive
policy can name them), SNS topics, S3 buckets, KMS keys and aliases, Secrets Manager secrets,
SSM parameters and EventBridge buses::

    with MotoServer() as moto:
        aws = LocalAws(moto.endpoint, template)
        aws.provision()
        aws.ref("EventDispatchQueue")            # the queue URL
        aws.getatt("EventDispatchQueue", "Arn")  # its ARN

Function environments then resolve ``!Ref``/``!GetAtt``/``!Sub`` to these resources, and
``AWS_ENDPOINT_URL`` points the functions' unchanged boto3 code at the server.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

from hearth_dev.local.intrinsics import Resolver, Unresolvable, references
from hearth_dev.sam.events import ACCOUNT_ID, REGION
from hearth_dev.sam.template import Template

logger = logging.getLogger("hearth_dev.local")

#: Credentials moto accepts; never real ones.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


class MotoServer:
    """moto's threaded server on a free loopback port (stopped on exit)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> MotoServer:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per AWS call
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self.endpoint:
            self._server.stop()
            self.endpoint = ""

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def client(service: str, endpoint: str) -> Any:
    """A boto3 client of the local endpoint (local credentials, the local region)."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client(cast(Any, service), endpoint_url=endpoint)


@dataclass
class Created:
    """A resource as created locally: its ``Ref`` value and its ``GetAtt`` attributes."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


def _arn(service: str, resource: str, *, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"


class LocalAws:
    """The template's resources, created in the moto server at ``endpoint``."""

    def __init__(
        self,
        endpoint: str,
        template: Template,
        *,
        parameters: Mapping[str, str] | None = None,
        stack_name: str = "hearth-local",
    ) -> None:
        self.endpoint = endpoint
        self.template = template
        self.stack_name = stack_name
        self.created: dict[str, Created] = {}
        self.skipped: dict[str, str] = {}  # logical id -> type, for types moto does not hold here
        self.resolver = Resolver(
            template.raw, parameters=parameters, ref=self.ref, getatt=self.getatt, stack_name=stack_name
        )
        self._clients: dict[str, Any] = {}
        self._creators: dict[str, Callable[[str, dict[str, Any]], Created]] = {
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::S3::Bucket": self._bucket,
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SSM::Parameter": self._ssm_parameter,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::IAM::Role": self._role,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
        }

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = client(service, self.endpoint)
        return self._clients[service]

    # -- names the template's intrinsics resolve to ----------------------------------------------

    def physical_name(self, logical_id: str) -> str:
        return f"{self.stack_name}-{logical_id}"

    def ref(self, logical_id: str) -> Any:
        if logical_id in self.created:
            return self.created[logical_id].ref
        resource = self.template.resources.get(logical_id) or {}
        kind = resource.get("Type", "")
        if kind == "AWS::Serverless::Function":
            return self.physical_name(logical_id)
        if kind in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api"):
            from hearth_dev.sam.events import API_ID

            return API_ID
        if kind == "AWS::Serverless::LayerVersion":
            return _arn("lambda", f"layer:{self.physical_name(logical_id)}:1")
        if kind in self._creators:
            raise Unresolvable(f"{logical_id} is referenced before it is created")
        return self.physical_name(logical_id)

    def getatt(self, logical_id: str, attribute: str) -> Any:
        if logical_id in self.created:
            attributes = self.created[logical_id].attributes
            if attribute in attributes:
                return attributes[attribute]
            raise Unresolvable(f"{logical_id} has no attribute {attribute} locally")
        kind = (self.template.resources.get(logical_id) or {}).get("Type", "")
        if kind == "AWS::Serverless::Function" and attribute == "Arn":
            return _arn("lambda", f"function:{self.physical_name(logical_id)}")
        if attribute == "Arn":
            service = kind.split("::")[1].lower() if kind.count("::") == 2 else "cloudformation"
            return _arn(service, self.physical_name(logical_id))
        raise Unresolvable(f"GetAtt {logical_id}.{attribute} cannot be resolved locally")

    # -- creating -------------------------------------------------------------------------------

    def creation_order(self) -> list[str]:
        """The resources moto holds here, each after the resources it refers to."""
        resources = self.template.resources
        wanted = [lid for lid, res in resources.items() if res.get("Type") in self._creators]
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(lid: str, path: tuple[str, ...]) -> None:
            if state.get(lid) == 2:
                return
            if state.get(lid) == 1:
                raise Unresolvable(f"circular references: {' -> '.join((*path, lid))}")
            state[lid] = 1
            res = resources[lid]
            depends = res.get("DependsOn") or []
            deps = references(res.get("Properties") or {}) | set(
                [depends] if isinstance(depends, str) else depends
            )
            for dep in sorted(deps):
                if dep in resources and resources[dep].get("Type") in self._creators:
                    visit(dep, (*path, lid))
            state[lid] = 2
            order.append(lid)

        for lid in wanted:
            visit(lid, ())
        return order

    def provision(self) -> dict[str, Created]:
        """Create every supported resource (idempotent per server)."""
        for logical_id, res in self.template.resources.items():
            kind = str(res.get("Type", ""))
            if kind not in self._creators and not kind.startswith("AWS::Serverless::"):
                self.skipped[logical_id] = kind
        for logical_id in self.creation_order():
            res = self.template.resources[logical_id]
            if "Condition" in res and not self.resolver.condition(str(res["Condition"])):
                continue
            props = self.resolver.resolve(res.get("Properties") or {})
            self.created[logical_id] = self._creators[str(res["Type"])](logical_id, props)
            logger.debug("created %s (%s)", logical_id, res["Type"])
        self._backup_database()
        return self.created

    def _backup_database(self) -> None:
        """The database the daily backup check inspects (``BackupDbIdentifier``): an Aurora
        cluster in moto, kept as production keeps it, made when there is none of that name."""
        if "BackupDbIdentifier" not in self.template.parameters:
            return
        name = str(self.resolver.resolve({"Ref": "BackupDbIdentifier"}) or "")
        if not name:
            return
        rds = self._client("rds")
        try:
            rds.describe_db_clusters(DBClusterIdentifier=name)
            return
        except rds.exceptions.DBClusterNotFoundFault:
            pass
        rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="hearth",
            MasterUserPassword="local-only-not-a-secret",
            StorageEncrypted=True,
            DeletionProtection=True,
            BackupRetentionPeriod=30,
        )

    def queues(self) -> dict[str, Created]:
        return {
            lid: c
            for lid, c in self.created.items()
            if self.template.resources[lid].get("Type") == "AWS::SQS::Queue"
        }

    def _queue(self, logical_id: str, props: dict[str, Any]) -> Created:
        fifo = str(props.get("FifoQueue", "")).lower() == "true"
        name = str(props.get("QueueName") or self.physical_name(logical_id) + (".fifo" if fifo else ""))
        attributes: dict[str, str] = {}
        for key, value in props.items():
            if key in ("QueueName", "Tags"):
                continue
            if isinstance(value, dict | list):
                attributes[key] = json.dumps(value)
            elif isinstance(value, bool):
                attributes[key] = str(value).lower()
            else:
                attributes[key] = str(value)
        tags = {str(t["Key"]): str(t["Value"]) for t in props.get("Tags") or []}
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _topic(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props.get("TopicName") or self.physical_name(logical_id))
        if str(props.get("FifoTopic", "")).lower() == "true" and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in props.items()
            if k in ("DisplayName", "FifoTopic", "ContentBasedDeduplication", "KmsMasterKeyId")
        }
        arn = self._client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        return Created(arn, {"TopicArn": arn, "TopicName": name})

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props.get("BucketName") or self.physical_name(logical_id)).lower()
        s3 = self._client("s3")
        locked = str(props.get("ObjectLockEnabled", "")).lower() == "true"
        s3.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if locked else {}))
        versioning = (props.get("VersioningConfiguration") or {}).get("Status")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        lock = props.get("ObjectLockConfiguration")
        if locked and lock and _existing_retention(s3, name) != _retention(lock):
            # Only a bucket without objects takes a new configuration; one this server already
            # holds (anchors written in an earlier run) keeps its own.
            s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=_object_lock(lock))
        return Created(
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website-{REGION}.amazonaws.com",
            },
        )

    def _kms_key(self, logical_id: str, props: dict[str, Any]) -> Created:
        args: dict[str, Any] = {"Description": str(props.get("Description") or logical_id)}
        for key in ("KeyUsage", "KeySpec"):
            if key in props:
                args[key] = str(props[key])
        meta = self._client("kms").create_key(**args)["KeyMetadata"]
        return Created(meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]})

    def _kms_alias(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props["AliasName"])
        self._client("kms").create_alias(AliasName=name, TargetKeyId=str(props["TargetKeyId"]))
        return Created(name, {})

    def _secret(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props.get("Name") or self.physical_name(logical_id))
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if value is None:
            value = _generated_secret(generate or {})
        args: dict[str, Any] = {"Name": name, "SecretString": str(value)}
        if props.get("KmsKeyId"):
            args["KmsKeyId"] = str(props["KmsKeyId"])
        secrets = self._client("secretsmanager")
        try:
            arn = secrets.create_secret(**args)["ARN"]
        except secrets.exceptions.ResourceExistsException:
            # Provisioned again on the same server: the secret keeps its value, as a stack update would.
            arn = secrets.describe_secret(SecretId=name)["ARN"]
        return Created(arn, {"Id": arn})

    def _ssm_parameter(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props.get("Name") or f"/{self.stack_name}/{logical_id}")
        kind = str(props.get("Type") or "String")
        self._client("ssm").put_parameter(Name=name, Type=kind, Value=str(props["Value"]), Overwrite=True)
        return Created(name, {"Type": kind, "Value": str(props["Value"])})

    def _event_bus(self, logical_id: str, props: dict[str, Any]) -> Created:
        name = str(props.get("Name") or self.physical_name(logical_id))
        arn = self._client("events").create_event_bus(Name=name)["EventBusArn"]
        return Created(name, {"Arn": arn, "Name": name})

    def _role(self, logical_id: str, props: dict[str, Any]) -> Created:
        # Roles are for AWS services assuming them (Cognito sending SMS): only their ARN matters here.
        name = str(props.get("RoleName") or self.physical_name(logical_id))
        return Created(name, {"Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "RoleId": name})

    def _user_pool(self, logical_id: str, props: dict[str, Any]) -> Created:
        """The user pool as declared (email as user name, MFA, password policy). Its triggers are
        not wired: moto's Cognito runs none (the tests call them with Cognito's event shapes)."""
        keep = ("UsernameAttributes", "AutoVerifiedAttributes", "MfaConfiguration", "UsernameConfiguration")
        args: dict[str, Any] = {k: props[k] for k in keep if k in props}
        policy = (props.get("Policies") or {}).get("PasswordPolicy")
        if policy:
            args["Policies"] = {
                "PasswordPolicy": {k: v for k, v in policy.items() if k != "TemporaryPasswordValidityDays"}
            }
        name = str(props.get("UserPoolName") or self.physical_name(logical_id))
        pool = self._client("cognito-idp").create_user_pool(PoolName=name, **args)["UserPool"]
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
        return Created(
            pool["Id"], {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}"}
        )

    def _user_pool_client(self, logical_id: str, props: dict[str, Any]) -> Created:
        """The app client as declared, with USER_PASSWORD_AUTH added: moto cannot do SRP, so
        ``hearth token`` signs in with the password."""
        flows = [*(props.get("ExplicitAuthFlows") or []), "ALLOW_USER_PASSWORD_AUTH"]
        made = self._client("cognito-idp").create_user_pool_client(
            UserPoolId=str(props["UserPoolId"]),
            ClientName=str(props.get("ClientName") or self.physical_name(logical_id)),
            GenerateSecret=False,
            ExplicitAuthFlows=sorted(set(flows)),
        )["UserPoolClient"]
        return Created(made["ClientId"], {"ClientId": made["ClientId"], "Name": made["ClientName"]})


def _object_lock(config: Mapping[str, Any]) -> dict[str, Any]:
    """A template's ``ObjectLockConfiguration`` as the S3 API takes it (numbers as numbers)."""
    result: dict[str, Any] = {"ObjectLockEnabled": str(config.get("ObjectLockEnabled", "Enabled"))}
    retention = (config.get("Rule") or {}).get("DefaultRetention")
    if retention:
        default: dict[str, Any] = {"Mode": str(retention["Mode"])}
        for unit in ("Days", "Years"):
            if unit in retention:
                default[unit] = int(retention[unit])
        result["Rule"] = {"DefaultRetention": default}
    return result


def _retention(config: Mapping[str, Any]) -> tuple[str, str, int, int]:
    """``(enabled, mode, days, years)`` of an Object Lock configuration, template or API form."""
    rule = (config.get("Rule") or {}).get("DefaultRetention") or {}
    return (
        str(config.get("ObjectLockEnabled", "")),
        str(rule.get("Mode", "")),
        int(rule.get("Days") or 0),
        int(rule.get("Years") or 0),
    )


def _existing_retention(s3: Any, bucket: str) -> tuple[str, str, int, int] | None:
    from botocore.exceptions import ClientError

    try:
        return _retention(s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"])
    except ClientError:
        return None


def _generated_secret(spec: Mapping[str, Any]) -> str:
    """What ``GenerateSecretString`` would store: a random password, alone or in the template."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if str(spec.get("ExcludePunctuation", "false")).lower() != "true":
        alphabet += "!#$%&()*+,-.:;<=>?[]^_{|}~"
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(str(template))
        document[str(key)] = password
        return json.dumps(document)
    return password
