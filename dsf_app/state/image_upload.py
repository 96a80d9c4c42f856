"""Receiving an image a person uploads into a page (a gallery, My images, a Codex entry's
portrait, a world's cover): who may put it there is checked before a byte is read, the bytes
sent and the server's stage are shown as it goes (`UploadProgress`), and the service
(`services/image_uploads.py`) checks, cleans and stores it."""

from __future__ import annotations

import reflex as rx

from dsf_app.errors import DSFError
from dsf_app.models import Asset
from dsf_app.services import asset_files, image_uploads
from dsf_app.services.image_uploads import Limits, Target
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.upload_progress import UploadProgress

STORING = "Checking and storing the image…"


class ReceivesImages(ActsForPerson, UploadProgress, mixin=True):
    """Mixin for a page state whose background upload handlers call `_receive_image`."""

    async def _receive_image(self, chunks: rx.UploadChunkIterator, target: Target) -> Asset | None:
        """The stored asset (None when no file was sent). A refusal is shown beside the drop
        zone and raised for the page's toast."""
        actor = await self.person()
        await self.act(image_uploads.check_target, target)
        limits = Limits.from_settings()
        async with self:
            self._start_upload()
        problem = ""
        try:
            upload = await image_uploads.read(chunks, limits)
            if upload is None:
                return None
            async with self:
                self._upload_stage(STORING)
            return await image_uploads.store(
                actor, asset_files.asset_storage(), target, upload, limits
            )
        except DSFError as exc:
            problem = str(exc)
            raise
        finally:
            async with self:
                self._end_upload(problem)
