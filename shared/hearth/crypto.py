"""Envelope encryption for secrets kept at rest (webhook signing secrets, provider tokens).

Each value is encrypted with a fresh 256-bit data key (AES-GCM); the data key is wrapped by KMS
(``HEARTH_SECRETS_KMS_KEY_ID``) or, in local development and tests, by a local key. The
*context* (e.g. the org and record id) is bound to both layers — KMS encryption context and GCM
associated data — so a ciphertext copied to another row or tenant does not decrypt::

    blob = crypto.seal(b"whsec_…", {"org_id": org, "record": endpoint_id})
    crypto.open_sealed(blob, {"org_id": org, "record": endpoint_id})   # b"whsec_…"

Text secrets of one kind name their purpose and the ids they belong to with :func:`bound`::

    binding = crypto.bound("integration_secret", org_id=org, provider="twilio", field="auth_token")
    binding.open(binding.seal("0123…"))   # "0123…"

Unwrapped data keys are cached per execution environment, so a sender decrypting the same
endpoint's secret for every delivery calls KMS once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hearth.settings import ConfigurationError, settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

_MAGIC = b"HE1"
_NONCE = 12
_CACHE_SIZE = 512

#: Local development only: secrets of a local database are "encrypted" under this well-known
#: key when no HEARTH_LOCAL_SECRETS_KEY is given. Settings refuse local keys in dev and prod.
_DEVELOPMENT_KEY = hashlib.sha256(b"hearth local development secrets key").digest()


class DecryptionError(Exception):
    """The blob is not ours, was altered, or belongs to another context."""


class KeyWrapper(Protocol):
    @property
    def tag(self) -> bytes: ...

    def new_data_key(self, context: dict[str, str]) -> tuple[bytes, bytes]:
        """A fresh data key: (plaintext, wrapped)."""
        ...

    def unwrap(self, wrapped: bytes, context: dict[str, str]) -> bytes: ...


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class LocalKeyWrapper:
    """Wraps data keys with AES-GCM under a local 256-bit key (local development and tests)."""

    key: bytes
    tag: bytes = b"L"

    def new_data_key(self, context: dict[str, str]) -> tuple[bytes, bytes]:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        return data_key, nonce + AESGCM(self.key).encrypt(nonce, data_key, _aad(context))

    def unwrap(self, wrapped: bytes, context: dict[str, str]) -> bytes:
        try:
            return AESGCM(self.key).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _aad(context))
        except Exception as exc:
            raise DecryptionError("the data key does not unwrap under the local key") from exc


class KmsKeyWrapper:
    """Wraps data keys with AWS KMS (GenerateDataKey / Decrypt with an encryption context)."""

    tag = b"K"

    def __init__(self, key_id: str, client: KMSClient | None = None) -> None:
        self.key_id = key_id
        self._client = client

    @property
    def client(self) -> KMSClient:
        if self._client is None:
            import boto3

            self._client = boto3.client("kms")
        return self._client

    def new_data_key(self, context: dict[str, str]) -> tuple[bytes, bytes]:
        out = self.client.generate_data_key(KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=context)
        return out["Plaintext"], out["CiphertextBlob"]

    def unwrap(self, wrapped: bytes, context: dict[str, str]) -> bytes:
        try:
            out = self.client.decrypt(CiphertextBlob=wrapped, EncryptionContext=context)
        except Exception as exc:
            name = type(exc).__name__
            if name in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise DecryptionError("KMS refused to unwrap the data key") from exc
            raise
        return out["Plaintext"]


class Envelope:
    """Seals and opens values with one key wrapper."""

    def __init__(self, wrapper: KeyWrapper) -> None:
        self.wrapper = wrapper
        self._keys: OrderedDict[tuple[bytes, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def seal(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        data_key, wrapped = self.wrapper.new_data_key(context)
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(data_key).encrypt(nonce, plaintext, _aad(context))
        return _MAGIC + self.wrapper.tag + struct.pack(">H", len(wrapped)) + wrapped + nonce + sealed

    def open(self, blob: bytes, context: dict[str, str]) -> bytes:
        blob = bytes(blob)
        if len(blob) < 6 or blob[:3] != _MAGIC:
            raise DecryptionError("not a sealed value")
        if blob[3:4] != self.wrapper.tag:
            raise DecryptionError("sealed under another kind of key")
        (length,) = struct.unpack(">H", blob[4:6])
        wrapped = blob[6 : 6 + length]
        nonce = blob[6 + length : 6 + length + _NONCE]
        sealed = blob[6 + length + _NONCE :]
        data_key = self._data_key(wrapped, context)
        try:
            return AESGCM(data_key).decrypt(nonce, sealed, _aad(context))
        except Exception as exc:
            raise DecryptionError("the value does not decrypt in this context") from exc

    def _data_key(self, wrapped: bytes, context: dict[str, str]) -> bytes:
        cache_key = (wrapped, _aad(context))
        with self._lock:
            cached = self._keys.get(cache_key)
            if cached is not None:
                self._keys.move_to_end(cache_key)
                return cached
        data_key = self.wrapper.unwrap(wrapped, context)
        with self._lock:
            self._keys[cache_key] = data_key
            while len(self._keys) > _CACHE_SIZE:
                self._keys.popitem(last=False)
        return data_key


def check_configuration() -> None:
    """Fail at cold start when no key is configured where one is required (every deployed stage)."""
    cfg = settings()
    if not cfg.is_local and not cfg.secrets_kms_key_id:
        raise ConfigurationError("missing configuration: set HEARTH_SECRETS_KMS_KEY_ID")


@lru_cache(maxsize=1)
def envelope() -> Envelope:
    """The envelope of this execution environment, from the settings."""
    check_configuration()
    cfg = settings()
    if cfg.secrets_kms_key_id:
        return Envelope(KmsKeyWrapper(cfg.secrets_kms_key_id))
    if cfg.local_secrets_key:
        key = base64.b64decode(cfg.local_secrets_key)
        if len(key) != 32:
            raise ConfigurationError(
                "invalid configuration: HEARTH_LOCAL_SECRETS_KEY must be 32 bytes, base64"
            )
        return Envelope(LocalKeyWrapper(key))
    return Envelope(LocalKeyWrapper(_DEVELOPMENT_KEY))


def seal(plaintext: bytes, context: dict[str, str]) -> bytes:
    return envelope().seal(plaintext, context)


def open_sealed(blob: bytes, context: dict[str, str]) -> bytes:
    return envelope().open(blob, context)


@dataclass(frozen=True, slots=True)
class Binding:
    """Text sealed for one purpose and the ids it belongs to (see :func:`bound`)."""

    context: dict[str, str]

    def seal(self, text: str) -> bytes:
        return seal(text.encode(), self.context)

    def open(self, blob: bytes) -> str:
        return open_sealed(blob, self.context).decode()


def bound(purpose: str, **ids: object) -> Binding:
    """The :class:`Binding` of text secrets for ``purpose`` belonging to ``ids`` (an org, a
    record, a field): sealed under one, a secret does not open under another."""
    return Binding({"purpose": purpose, **{name: str(value) for name, value in ids.items()}})
