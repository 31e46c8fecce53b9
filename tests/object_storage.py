"""A real S3-compatible server on loopback (moto in server mode), for the media storage's tests.

The fixtures that use it are in the root `conftest.py`: `s3_media` (the media storage
switched to a fresh bucket of it), and `media_storage`, parametrized over the folder
and the bucket, for tests that must hold on both.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

ACCESS_KEY = "ponte-test"
SECRET_KEY = "ponte-test-secret"
REGION = "us-east-1"


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 on a free loopback port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """The variables that point Ponte's media storage at the bucket (for a `ponte` process)."""
    return {"PONTE_MEDIA_S3_BUCKET": bucket, "PONTE_MEDIA_S3_ENDPOINT_URL": endpoint,
            "PONTE_MEDIA_S3_REGION": REGION, "PONTE_MEDIA_S3_ACCESS_KEY": ACCESS_KEY,
            "PONTE_MEDIA_S3_SECRET_KEY": SECRET_KEY}


def new_bucket(endpoint: str) -> str:
    """A fresh, empty bucket: each test sees only its own objects."""
    import boto3

    bucket = f"ponte-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    client.create_bucket(Bucket=bucket)
    return bucket


def bucket_keys(endpoint: str, bucket: str) -> set[str]:
    """Every object's key in the bucket, read straight from the server."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


class MediaPlace:
    """Where a test's media storage keeps its objects, to look at them from outside Ponte."""

    def __init__(self, kind: str, *, folder=None, endpoint: str = "", bucket: str = "") -> None:
        self.kind, self.folder, self.endpoint, self.bucket = kind, folder, endpoint, bucket

    def __repr__(self) -> str:
        return f"MediaPlace({self.kind})"

    def names(self) -> set[str]:
        """Every stored object's name, as the storage names it."""
        if self.kind == "s3":
            return bucket_keys(self.endpoint, self.bucket)
        return {str(path.relative_to(self.folder)) for path in self.folder.rglob("*")
                if path.is_file()}
