"""Fair scheduling across organisations (issue 12): one organisation's thousand pending jobs do
not hold another's single change.

arq reads due job ids in score order, so a backlog enqueued first is all claimed first. Beside
arq's queue, every sync job enqueued with its organisation is also kept in a per-organisation
index (`vitrine:fair:<org>`, job id -> score), the organisations with work in one sorted set
(`vitrine:fair:orgs`, organisation -> turn) and each indexed id's organisation in a hash
(`vitrine:fair:owner`). The worker's claim (`claim`, one Lua call per poll) serves the
organisations with due work one job each per round, least recently served first, then the jobs
no organisation owns (crons, deferred domain jobs) as one more participant, then, if slots are
still free, whatever arq read. The turns live in Redis, so every worker shares one rotation.

arq keeps its own semantics: a job is claimed exactly as arq claims it (in the queue, due, no
in-progress key; the in-progress key is set with arq's lease) and arq runs, retries and finishes
it. The index is only a way to find ids: an entry whose job left arq's queue is dropped when met,
one arq re-scored follows arq's score, one running is parked until its lease ends, and an
organisation with no entry left leaves the set. The embedded mode gets the same order from
`FairQueue`. No arq import here: `service/sync/tasks.py` is the only module that knows arq.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

INDEX = "vitrine:fair:"  # + organisation id: a zset of that organisation's job ids
ORGS = "vitrine:fair:orgs"  # organisation -> its turn (ms): the smallest due turn is served first
OWNER = "vitrine:fair:owner"  # job id -> organisation, for the ids the index holds
PER_TURN = 8  # index entries looked at for one organisation in one turn
BUDGET = 64  # index entries looked at per claim, plus PER_TURN per free slot

# (kind, key, platform, delay, organisation or None); None: the organisation of the finished job
# that asked for it (a read-back after a push), or none at all.
Scheduled = tuple[str, int, str, float, int | None]

# KEYS: queue, orgs, owner. ARGV: now (ms), lease (ms), free slots, in-progress key prefix, index
# prefix, entries per turn, organisations per call, budget of entries, then the ids arq read.
# Returns id, score, id, score...
CLAIM = """
local now, lease, room = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local running, fair, per_turn, budget = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[8])
local queue, orgs, owner = KEYS[1], KEYS[2], KEYS[3]
local claimed, seq, served, looked = {}, 0, {}, {}

local function take(id, score)
  redis.call('PSETEX', running .. id, lease, '1')
  claimed[#claimed + 1] = id
  claimed[#claimed + 1] = score
  room = room - 1
end

local function due(id)
  local score = redis.call('ZSCORE', queue, id)
  if score and tonumber(score) <= now and redis.call('EXISTS', running .. id) == 0 then return score end
  return nil
end

-- one turn of an organisation: its earliest entry still queued by arq, due and not running;
-- every entry looked at is claimed, dropped (arq finished it), moved to arq's later score
-- (a retry) or parked until its lease ends (running), so the next turn looks further
local function turn(org)
  looked[org] = true
  local index = fair .. org
  local entries = redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, math.min(per_turn, budget))
  for _, id in ipairs(entries) do
    budget = budget - 1
    local score = redis.call('ZSCORE', queue, id)
    if not score then
      redis.call('ZREM', index, id)
      redis.call('HDEL', owner, id)
    elseif tonumber(score) > now then
      redis.call('ZADD', index, score, id)
    else
      local ttl = redis.call('PTTL', running .. id)
      if ttl == -2 then
        take(id, score)
        redis.call('ZADD', index, now + lease, id)
        return true
      end
      redis.call('ZADD', index, now + (ttl > 0 and ttl or lease), id)
    end
  end
  return false
end

-- the jobs no organisation owns, as one more participant: PER_TURN of the ids arq read per turn
local next_rest = 9
local function rest_turn()
  local seen = 0
  while next_rest <= #ARGV and seen < per_turn do
    local id = ARGV[next_rest]
    next_rest = next_rest + 1
    if redis.call('HEXISTS', owner, id) == 0 then
      seen = seen + 1
      local score = due(id)
      if score then take(id, score) return true end
    end
  end
  return next_rest <= #ARGV
end

local active, turns = {}, {}
local fetched = redis.call('ZRANGEBYSCORE', orgs, '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[7]))
for i = 1, #fetched, 2 do
  active[#active + 1] = fetched[i]
  turns[fetched[i]] = tonumber(fetched[i + 1])
end
local rest_open = true
while room > 0 and ((#active > 0 and budget > 0) or rest_open) do
  local again = {}
  for _, org in ipairs(active) do
    if room <= 0 or budget <= 0 then break end
    if turn(org) then
      seq = seq + 1
      served[org] = seq
      again[#again + 1] = org
    end
  end
  active = again
  if rest_open and room > 0 then rest_open = rest_turn() end
end

-- slots still free: whatever arq read, in its order (an organisation's entries beyond this call's look)
for i = 9, #ARGV do
  if room <= 0 then break end
  local score = due(ARGV[i])
  if score then
    take(ARGV[i], score)
    local org = redis.call('HGET', owner, ARGV[i])
    if org then redis.call('ZADD', fair .. org, now + lease, ARGV[i]) end
  end
end

-- each organisation looked at takes its next turn: after every one served in this call, in the
-- order served; never before its earliest entry; out of the set when it has none left
for org, _ in pairs(looked) do
  local head = redis.call('ZRANGE', fair .. org, 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('ZREM', orgs, org)
  else
    local at = turns[org]
    if served[org] then at = now + served[org] / 1000 end
    redis.call('ZADD', orgs, string.format('%.3f', math.max(tonumber(head[2]), at)), org)
  end
end
return claimed
"""


async def claim(script: Any, queue: str, *, now_ms: int, lease_ms: int, free: int, running_prefix: str,
                read: Sequence[bytes | str]) -> list[tuple[str, int]]:
    """Claim up to `free` due jobs fairly (see the module's docstring): (job id, score) in the
    order claimed. `script` is `CLAIM` registered on the pool; `read`: the ids arq read."""
    raw = await script(keys=[queue, ORGS, OWNER], args=[
        now_ms, lease_ms, free, running_prefix, INDEX, PER_TURN, 2 * free + 16, BUDGET + PER_TURN * free, *read])
    return [(job_id.decode() if isinstance(job_id, bytes) else str(job_id), int(float(score)))
            for job_id, score in zip(raw[::2], raw[1::2])]


T = TypeVar("T")


class FairQueue(Generic[T]):
    """The embedded mode's queue: first in, first out within an organisation, organisations
    served in turn (an organisation with new work joins the end of the rotation). Items with
    no organisation (`None`) share one turn."""

    def __init__(self) -> None:
        self._items: dict[Hashable, deque[T]] = {}
        self._turns: deque[Hashable] = deque()
        self._ready = asyncio.Semaphore(0)
        self._size = 0

    def put_nowait(self, org: Hashable, item: T) -> None:
        if org not in self._items:
            self._items[org] = deque()
            self._turns.append(org)
        self._items[org].append(item)
        self._size += 1
        self._ready.release()

    async def get(self) -> T:
        await self._ready.acquire()
        org = self._turns.popleft()
        items = self._items[org]
        item = items.popleft()
        if items:
            self._turns.append(org)
        else:
            del self._items[org]
        self._size -= 1
        return item

    def qsize(self) -> int:
        return self._size
