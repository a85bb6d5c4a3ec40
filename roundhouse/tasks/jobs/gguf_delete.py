"""`model.delete`: remove a downloaded model's files on the host that holds them.

The API removes a file on its own machine at once; a file on another host is removed by this
job on that host's queue, since only that host's worker can see its disk.
"""

from __future__ import annotations

from typing import Any

from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.tasks import gguf_files
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.gguf import DELETE


@handles(DELETE)
def delete(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Remove the record's files (and parts) from this host's models folder, then the record."""
    s, file_id = ctx.settings(), job["params"]["file_id"]
    control.report(stage="delete", message=f"Removing downloaded files on {s.hostname}")
    downloads = ctx.stores.downloads
    done = gguf_files.uninstall_download(s, ctx.jobs, downloads, file_id)
    body = {"backend": "huggingface", "action": "deleted", "file_id": file_id, "host": s.hostname}
    ctx.stores.feed.publish("models", body)
    return {**done, "message": f"Removed {len(done['removed'])} file(s) on {s.hostname}"}
