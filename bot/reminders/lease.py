"""One delivery pass at a time across processes: a lease in the database.

`Store.claim` re-takes 'pending' rows (that is how a crashed pass resumes), so two passes
running at once -- the bot's job and an operator's `send-reminders` -- could both send to the
same chat. The lease is renewed in the background while a pass runs. After a crash it is taken
over at once when its holder is visibly dead (same host, process gone or restarted under the
same pid, as in a container), and otherwise left to expire. It runs on the wall clock, not the
business clock, because it is about processes being alive.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.clock import system_clock
from bot.storage import StorageError, Store

LEASE_NAME = "delivery"
LEASE_TTL = timedelta(seconds=30)
_INCARNATION = uuid.uuid4().hex[:8]       # tells this process from an earlier one with its pid


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_INCARNATION}"


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` ran on this host and that process no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text, _, incarnation = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return incarnation != _INCARNATION       # our pid, but an earlier life (a restart)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:                     # alive, owned by someone else
        return False
    return False


@asynccontextmanager
async def exclusive_pass(store: Store, wall_clock: Callable[[], datetime] = system_clock,
                         owner: str | None = None) -> AsyncIterator[bool]:
    """Yield True while this process holds the delivery lease, False if another one does.

    Within one process the caller serialises passes itself (an asyncio.Lock in the bot).
    """
    owner = owner or process_owner()
    mine = await store.acquire_lease(LEASE_NAME, owner, wall_clock(), LEASE_TTL)
    if not mine:
        holder = await store.lease_holder(LEASE_NAME)
        if holder and holder_is_dead(holder):
            mine = await store.take_over_lease(LEASE_NAME, holder, owner, wall_clock(), LEASE_TTL)
    if not mine:
        yield False
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(LEASE_TTL.total_seconds() / 3)
            with contextlib.suppress(StorageError):
                await store.acquire_lease(LEASE_NAME, owner, wall_clock(), LEASE_TTL)

    renewer = asyncio.create_task(renew())
    try:
        yield True
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError, StorageError):
            await renewer
        with contextlib.suppress(StorageError):
            await store.release_lease(LEASE_NAME, owner)
