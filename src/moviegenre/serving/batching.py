"""Micro-batching: requests that arrive while the model is busy are predicted together.

On 2 CPU cores one forward pass over 8 movies costs far less than 8 passes over 1, so under
concurrent load the service drains everything queued into a single ``predict_details`` call.
A lone request is never held back waiting for company (no fixed delay), so single-request
latency stays that of one forward pass. ``workers`` model threads take batches from one queue;
with single-threaded onnxruntime sessions (``moviegenre serve --threads 1``, the default) two
workers keep both cores busy without the thread spinning that made 2-thread sessions 3-5x slower
on this shared machine (measured in docs/serving.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor


class MicroBatcher:
    """``await batcher.submit(items)`` → ``fn(items)`` results, batched with other callers.

    ``fn`` takes a list and returns a list of the same length (here: movies → prediction dicts).
    """

    def __init__(self, fn: Callable[[list], Sequence], max_batch: int = 32, workers: int = 1):
        self.fn = fn
        self.max_batch = max_batch
        self.workers = max(1, workers)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="moviegenre-model")
        self._queue: asyncio.Queue | None = None
        self._tasks: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, items: list) -> list:
        self._ensure_worker()
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((items, future))
        return await future

    def _ensure_worker(self) -> None:
        # the queue and worker belong to one event loop; a new loop (test clients) gets new ones
        loop = asyncio.get_running_loop()
        if self._loop is not loop or not self._tasks or any(t.done() for t in self._tasks):
            for t in self._tasks:
                t.cancel()
            self._loop = loop
            self._queue = asyncio.Queue()
            self._tasks = [loop.create_task(self._worker()) for _ in range(self.workers)]

    async def _worker(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0][0])
            while size < self.max_batch and not self._queue.empty():
                job = self._queue.get_nowait()
                jobs.append(job)
                size += len(job[0])
            jobs = [(items, fut) for items, fut in jobs if not fut.cancelled()]  # timed-out callers
            if not jobs:
                continue
            flat = [item for items, _ in jobs for item in items]
            try:
                results = await loop.run_in_executor(self._executor, self.fn, flat)
            except Exception as e:
                for _, fut in jobs:
                    if not fut.done():
                        fut.set_exception(e)
                continue
            start = 0
            for items, fut in jobs:
                if not fut.done():
                    fut.set_result(list(results[start : start + len(items)]))
                start += len(items)

    def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


def uncached_predict(predict_details):
    """Requests skip the on-disk feature cache: one shard a request would pile up on disk, and
    a user's upload is rarely seen twice."""
    import functools
    import inspect

    try:
        takes_cache = "cache" in inspect.signature(predict_details).parameters
    except (TypeError, ValueError):
        takes_cache = False
    return functools.partial(predict_details, cache=False) if takes_cache else predict_details
