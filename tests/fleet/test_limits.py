"""The server budget's own bookkeeping (plain asyncio; the server-side counts are in the real-peer
tests): runs hold units, an extra unit waits for room, and is refused only when every holder waits."""

from __future__ import annotations

import asyncio

from sourcedoctor.fleet.limits import RunGate, WeightedLimit, needs_extra, sftp_weight


async def test_extra_unit_waits_for_room_then_is_granted() -> None:
    limit = WeightedLimit(2, linger=0.01)
    assert limit.try_take(1) == 1 and limit.try_take(1) == 1 and limit.try_take(1) == 0
    # Run A asks for its paramiko connection while run B still runs: it waits for B to end.
    asked = asyncio.ensure_future(limit.acquire_extra())
    await asyncio.sleep(0.05)
    assert not asked.done()
    limit.release(1)  # B ends (its units come back after the linger)
    assert await asyncio.wait_for(asked, 1) is True
    assert limit.in_use == 2 and limit.high_water == 2


async def test_extra_unit_is_refused_when_every_holder_waits() -> None:
    limit = WeightedLimit(2, linger=0.01)
    limit.try_take(1)
    limit.try_take(1)
    first = asyncio.ensure_future(limit.acquire_extra())
    await asyncio.sleep(0.01)
    # The second holder asks too: both would wait for each other, so the newest is refused.
    assert await asyncio.wait_for(limit.acquire_extra(), 1) is False
    assert not first.done()
    limit.release(1)  # the refused run goes on without the connection and ends
    assert await asyncio.wait_for(first, 1) is True
    assert limit.high_water == 2


async def test_a_run_whose_reservation_covers_it_never_asks() -> None:
    limit = WeightedLimit(3, linger=0.01)
    assert limit.try_take(sftp_weight(3, chunked_reads=True)) == 3
    gate = RunGate(limit, covered=not needs_extra(3, 3))
    assert await gate.acquire() is True and limit.in_use == 3  # nothing more taken
    assert needs_extra(3, sftp_weight(3, chunked_reads=False))  # a generic run asks
    assert not needs_extra(1, sftp_weight(1, chunked_reads=False))  # one connection: no paramiko


async def test_a_spare_unit_is_left_for_the_paramiko_exchanges() -> None:
    two, three = WeightedLimit(2, linger=0.01), WeightedLimit(3, linger=0.01)
    # Budget 2: one SFTP run (its own connection + room for paramiko's), the next one waits.
    assert two.try_take(1, spare=1) == 1 and two.try_take(1, spare=1) == 0
    # Budget 3: two runs side by side, sharing the one spare unit for their paramiko exchanges.
    assert three.try_take(1, spare=1) == 1 and three.try_take(1, spare=1) == 1
    assert three.try_take(1, spare=1) == 0
    assert await three.acquire_extra() is True  # the first exchange takes the spare at once
    second = asyncio.ensure_future(three.acquire_extra())
    await asyncio.sleep(0.02)
    assert not second.done()  # the next waits for that exchange, not for a whole run
    three.release_extra()
    assert await asyncio.wait_for(second, 1) is True and three.high_water == 3
    # A budget of 1 (--per-host 1): the run fits alone and its exchange is refused, not waited for.
    one = WeightedLimit(1, linger=0.01)
    assert one.try_take(1, spare=1) == 1 and await one.acquire_extra() is False
