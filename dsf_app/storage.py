"""Asset bytes in any S3-compatible store (AWS S3, or the local rclone server), via boto3.

Browsers get asset bytes from the app itself (`assets_route.py` streams them from here), or are
sent to the CDN (S3_PUBLIC_BASE_URL) or to short-lived URLs presigned for an S3 endpoint they can
reach (S3_PUBLIC_ENDPOINT_URL). Keys name the owner and world: `users/<owner>/worlds/<world>/...`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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

from dsf_app.errors import DSFError, NotFound, ServiceUnavailable
from dsf_app.settings import Settings, get_settings

# A redirect to a presigned URL is made per request, so the URL need only outlive one page load.
PRESIGN_SECONDS = 300
STREAM_CHUNK = 64 * 1024


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
class StoredObject:
    """One read of an object for a browser: the HTTP status S3 answered with (200, 206 for a
    range, 304 when the browser's copy is current), the headers to pass on, and the bytes."""

    status: int
    headers: dict[str, str]
    body: Any = None  # botocore's StreamingBody, when there are bytes

    def chunks(self) -> Iterator[bytes]:
        """The bytes in pieces, the connection to S3 given back when they are read or dropped."""
        if self.body is None:
            return
        try:
            yield from self.body.iter_chunks(STREAM_CHUNK)
        finally:
            self.body.close()

    def close(self) -> None:
        if self.body is not None:
            self.body.close()


# Response headers of a GetObject worth passing to the browser, by boto3's name for them.
PASSED_HEADERS = {
    "ContentType": "Content-Type",
    "ContentLength": "Content-Length",
    "ContentRange": "Content-Range",
    "ETag": "ETag",
}


@dataclass(frozen=True)
class AssetStorage:
    client: Any
    bucket: str
    endpoint_url: str
    public_base_url: str = ""
    # Signs URLs for the endpoint browsers reach (S3_PUBLIC_ENDPOINT_URL); None: the app serves.
    presigner: Any = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AssetStorage:
        settings = settings or get_settings()
        public = settings.s3_public_endpoint_url.strip()
        return cls(
            _client(settings, settings.s3_endpoint_url),
            settings.s3_bucket,
            settings.s3_endpoint_url,
            settings.s3_public_base_url,
            _client(settings, public) if public else None,
        )

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._problem(exc, operation, kwargs.get("Key", "?")) from exc

    def _problem(self, exc: BotoCoreError | ClientError, operation: str, key: str) -> DSFError:
        """The product error that a failed S3 call means for a person."""
        if isinstance(exc, EndpointConnectionError | ConnectionClosedError | ReadTimeoutError):
            return StorageUnavailable(
                f"S3 storage is not reachable at {self.endpoint_url} ({_reason(exc)}) — check "
                "S3_ENDPOINT_URL or run ./start.sh to start the local S3 server."
            )
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NotFound"}:
                return NotFound(f"No stored object at {key}.")
            return ServiceUnavailable(f"S3 refused {operation}: {code or exc}")
        return StorageUnavailable(f"S3 {operation} failed: {exc}")

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

    def public_url(self, key: str, content_type: str) -> str | None:
        """A URL outside the app that a browser can load the object from (the CDN's, or one
        presigned for the public S3 endpoint), or None when the app must serve the bytes."""
        if self.public_base_url:
            return f"{self.public_base_url.rstrip('/')}/{key}"
        if self.presigner is None:
            return None
        # Presigning is computed locally: no request, so no connection error to translate.
        return self.presigner.generate_presigned_url(
            ClientMethod="get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=PRESIGN_SECONDS,
        )

    def read(self, key: str, *, byte_range: str = "", if_none_match: str = "") -> StoredObject:
        """The object for a browser's GET, honouring its `Range` and `If-None-Match` headers."""
        conditions = {"Range": byte_range} if byte_range else {}
        if if_none_match:
            conditions["IfNoneMatch"] = if_none_match
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key, **conditions)
        except ClientError as exc:
            # Not failures: the browser's copy is current, or it asked for bytes past the end.
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (304, 416):
                return StoredObject(status, {"ETag": if_none_match} if status == 304 else {})
            raise self._problem(exc, "get_object", key) from exc
        except BotoCoreError as exc:
            raise self._problem(exc, "get_object", key) from exc
        headers = {
            name: str(answer[field]) for field, name in PASSED_HEADERS.items() if answer.get(field)
        }
        status = 206 if "Content-Range" in headers else 200
        return StoredObject(status, headers, answer["Body"])

    def reachable(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError):
            return False
        return True


def _client(settings: Settings, endpoint_url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        region_name=settings.s3_region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2},
            connect_timeout=3,
            read_timeout=30,
            # Validating checksums wraps every response body, and botocore then cannot parse
            # the body of a 304 or 416 answer to a conditional or ranged read.
            response_checksum_validation="when_required",
        ),
    )
