"""Asset bytes in any S3-compatible store (AWS S3, or the local rclone server), via boto3.

Browsers get presigned GET URLs signed for the endpoint they will use, or CDN URLs when
S3_PUBLIC_BASE_URL is set. Keys name the owner and world: `users/<owner>/worlds/<world>/...`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.client import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from dsf_app.errors import NotFound, ServiceUnavailable
from dsf_app.settings import Settings, get_settings

PRESIGN_SECONDS = 3600


class StorageUnavailable(ServiceUnavailable):
    """The S3 store cannot be reached at all (not: it refused one request)."""


def owner_prefix(owner_id: uuid.UUID) -> str:
    """Where every object a person stored lives (see `asset_key`)."""
    return f"users/{owner_id}/"


def asset_key(
    owner_id: uuid.UUID, world_id: uuid.UUID | None, filename: str, unique: str | None = None
) -> str:
    """Where an asset's bytes live; `unique` (e.g. from a tool call id) makes a retried save
    write the same key again instead of leaving a second object behind."""
    scope = f"worlds/{world_id}" if world_id else "unfiled"
    return f"{owner_prefix(owner_id)}{scope}/{unique or uuid.uuid4().hex}-{filename}"


def _reason(exc: BotoCoreError) -> str:
    if isinstance(exc, EndpointConnectionError):
        return "could not connect"
    if isinstance(exc, ReadTimeoutError):
        return "no answer in time"
    return "the connection was cut"


@dataclass(frozen=True)
class AssetStorage:
    client: Any
    bucket: str
    endpoint_url: str
    public_base_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AssetStorage:
        settings = settings or get_settings()
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
            region_name=settings.s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2},
                connect_timeout=3,
                read_timeout=30,
            ),
        )
        return cls(
            client, settings.s3_bucket, settings.s3_endpoint_url, settings.s3_public_base_url
        )

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as exc:
            raise StorageUnavailable(
                f"S3 storage is not reachable at {self.endpoint_url} ({_reason(exc)}) — check "
                "S3_ENDPOINT_URL or run ./start.sh to start the local S3 server."
            ) from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise NotFound(f"No stored object at {kwargs.get('Key', '?')}.") from exc
            raise ServiceUnavailable(f"S3 refused {operation}: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 {operation} failed: {exc}") from exc

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call("create_bucket", Bucket=self.bucket)
        except EndpointConnectionError:
            self._call("head_bucket", Bucket=self.bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self._call("get_object", Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self._call("delete_object", Bucket=self.bucket, Key=key)

    def keys_under(self, prefix: str) -> list[str]:
        """Every stored key that starts with `prefix`."""
        keys: list[str] = []
        more: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Bucket=self.bucket, Prefix=prefix, **more)
            keys += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            more = {"ContinuationToken": page["NextContinuationToken"]}

    def url(self, key: str, content_type: str) -> str:
        """A URL a browser can load the object from."""
        if self.public_base_url:
            return f"{self.public_base_url.rstrip('/')}/{key}"
        return self._call(
            "generate_presigned_url",
            ClientMethod="get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=PRESIGN_SECONDS,
        )

    def reachable(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError):
            return False
        return True
