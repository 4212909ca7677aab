"""The reading loop both flavours share: read what is there in bounded batches, wait, repeat.

A flavour supplies ``_loop_start()``, ``_read_available()`` (process every bounded batch it
can read now; True when it stopped early with more waiting), ``_wait(timeout)`` (sleep until
new data or the timeout, taking the pending wake-ups; True when woken by data) and
``_loop_end()``.

Coalescing within a latency budget (``maxdelay``): a quiet log is read at once; while lines
keep coming, the next batch starts ``coalesce_delay()`` after the previous one: long enough
to carry about ``BATCH_TARGET`` lines at the arrival rate seen, never more than the budget,
never less than ``MIN_DELAY`` (or the budget, if smaller).  A wake-up costs the same
whatever it carries, so a slow flood is read a few times a second in batches of several
lines, a fast one in batches of ``BATCH_TARGET`` or more, and no line (and so no ban) waits
longer than the budget plus the batch's own processing.  While lines keep coming the loop
wakes once per batch: it sleeps out the delay and reads, leaving the wake-ups (inotify
events, journal changes) queued; only a read that finds nothing goes back to ``_wait``,
which takes them (the kernel merges repeated events of a file, so the queue stays short).
While lines come, fail2ban's service tasks run every ``min(sleeptime, 1 s)`` (and, with
prompt bans, the bans that have ended are lifted: fail2ban's actions thread then polls less
often, see :mod:`.handoff`); while the log is quiet, every ``IDLE_SERVICE_S`` (their
clean-up works on a 5 s step anyway, and fail2ban's actions thread lifts ended bans on its
own schedule), or every second where the flavour must poll (``_idle_service_s``: a path
without a directory watch).  Log positions are saved at most every ``DB_UPDATE_S``.
"""
import gc
import logging
import os
import threading
import time

from fail2ban.server.mytime import MyTime

log = logging.getLogger("fail2ban.f2btune")

DB_UPDATE_S = 5.0
BATCH_TARGET = 64            # lines a batch should carry before waiting longer is pointless
MIN_DELAY = 0.02             # batches under a fast flood start at least this far apart
RATE_WEIGHT = 0.5            # weight of the latest wake-up in the arrival-rate estimate
IDLE_SERVICE_S = 5.0         # service tasks' step while the log is quiet


def freeze_startup_objects():
    """Leave the objects start-up made (configuration, compiled regexes, modules) out of later
    garbage collections: fail2ban runs a full ``gc.collect()`` every 30 s while failures come,
    which otherwise walks all of them each time.  CPython 3.7+ only; frozen objects are never
    freed, which start-up objects mostly never are anyway."""
    freeze = getattr(gc, "freeze", None)
    if freeze is not None:
        freeze()


class ReadLoop(object):
    _next_svc = 0.0
    _rate = 0.0              # lines per second, estimated over the recent wake-ups
    _rate_at = None          # (monotonic time, lines read) at the last wake-up with lines
    _flowing = False         # the last wake-up read lines

    def run(self):
        prof_path = os.environ.get("F2BTUNE_CPROFILE")
        if not prof_path:
            return self._loop()
        # profiling aid: F2BTUNE_CPROFILE=FILE writes cProfile stats of this thread at stop
        import cProfile
        prof = cProfile.Profile(time.thread_time)      # CPU, not wall time
        try:
            return prof.runcall(self._loop)
        finally:
            prof.dump_stats("%s.%s" % (prof_path, self.jailName))

    def _loop(self):
        self._native_tid = threading.get_native_id()
        self._loop_start()
        self.warm_up()
        self.stretch_actions_thread()
        freeze_startup_objects()
        self._next_svc = 0.0
        log.debug("[%s] filter started (%s)", self.jailName, type(self).__name__)
        while self.active:
            try:
                if self.idle:
                    time.sleep(min(self.sleeptime, 0.5))
                    continue
                more = self._read_available()
                last_batch = self.wake_done()
                if more:
                    continue
                if self._flowing and self.maxdelay:
                    self._coalesce(last_batch)      # one wake-up per batch while lines come
                    continue
                if self._wait(max(0.0, self._next_svc - last_batch)) and self.active and self.maxdelay:
                    self._coalesce(last_batch)
            except Exception as e:  # pragma: no cover - keep the jail alive, as stock does
                if not self.active:
                    break
                self._loop_error(e)
        log.debug("[%s] filter exited (%s)", self.jailName, type(self).__name__)
        self._loop_end()
        return True

    def _coalesce(self, last_batch):
        """Sleep until the next batch is due (see ``coalesce_delay``)."""
        delay = last_batch + self.coalesce_delay() - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def wake_done(self):
        """What a wake-up does besides reading: fail2ban's service tasks and the database
        positions, each on its own timer.  Returns the monotonic time."""
        now = time.monotonic()
        self._note_rate(now)
        if now >= self._next_svc:
            step = min(self.sleeptime, 1.0)
            self._next_svc = now + (step if self._flowing else max(step, self._idle_service_s()))
            self.performSvc()
            if self.options.promptban:
                self.lift_ended_bans()
        self.ticks += 1
        self._flush_db_positions()
        return now

    def _idle_service_s(self):
        """The service tasks' step while the log is quiet (a flavour that polls shortens it)."""
        return IDLE_SERVICE_S

    def _note_rate(self, now):
        """Update the arrival-rate estimate from the lines read since the last wake-up."""
        lines = self.stats["lines"]
        prev = self._rate_at
        self._flowing = prev is not None and lines != prev[1]
        if prev is None or lines == prev[1]:
            if prev is None:
                self._rate_at = (now, lines)
            return
        dt = now - prev[0]
        if dt > 0:
            inst = (lines - prev[1]) / dt
            # a gap longer than the budget starts the estimate afresh
            w = 1.0 if dt > self.maxdelay else RATE_WEIGHT
            self._rate = w * inst + (1.0 - w) * self._rate
        self._rate_at = (now, lines)

    def coalesce_delay(self):
        """How long after a batch the next one starts while lines keep coming (seconds)."""
        budget = self.maxdelay
        if self._rate <= 0:
            return min(budget, MIN_DELAY)
        return min(budget, max(MIN_DELAY, BATCH_TARGET / self._rate))

    def _flush_db_positions(self):
        """Write pending log positions to the database, at most every ``DB_UPDATE_S``."""
        if (self._pendDBUpdates and self.jail.database is not None
                and MyTime.time() >= self._nextUpdateTM):
            self._updateDBPending()
            self._nextUpdateTM = MyTime.time() + DB_UPDATE_S

    def _loop_error(self, e):
        """An unexpected error in the reading loop: count, log, keep the jail alive (as stock)."""
        self.stats["errors"] += 1
        log.error("[%s] %s: unhandled %r", self.jailName, type(self).__name__, e,
                  exc_info=log.getEffectiveLevel() <= logging.DEBUG)
        self.commonError("unhandled", e)
        time.sleep(0.1)
