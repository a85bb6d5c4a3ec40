"""`model.delete`: remove a downloaded model's files on the host that holds them.

The API removes a file on its own machine at once; a file on another host is removed by this
job on that host's queue, since only that host's worker can see its disk.
"""

from __future__ import annotations

from typing import Any

from roundhouse.core import feed
from roundhouse.core.downloads import Downloads
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.tasks import context
from roundhouse.tasks.jobs import gguf_files
from roundhouse.tasks.kinds import HOST, job_kind

KIND = "model.delete"


def dedup_key(file_id: str) -> str:
    return f"{KIND}:{file_id}"


@job_kind(KIND, queue=HOST)
def delete(job: Job, control: Control) -> dict[str, Any]:
    """Remove the record's files (and parts) from this host's models folder, then the record."""
    s, file_id = context.settings(), job["params"]["file_id"]
    control.report(stage="delete", message=f"Removing downloaded files on {s.hostname}")
    downloads = Downloads(context.client(), context.keys())
    done = gguf_files.uninstall_download(s, context.client(), context.keys(), downloads, file_id)
    body = {"backend": "huggingface", "action": "deleted", "file_id": file_id, "host": s.hostname}
    feed.publish(context.client(), context.keys(), "models", body, s.feed_max)
    return {**done, "message": f"Removed {len(done['removed'])} file(s) on {s.hostname}"}
