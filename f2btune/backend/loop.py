"""The reading loop both flavours share: read what is there in bounded batches, wait, repeat.

A flavour supplies ``_loop_start()``, ``_read_available()`` (process every bounded batch it
can read now; True when it stopped early with more waiting), ``_wait(timeout)`` (sleep until
new data or the timeout; True when woken by data) and ``_loop_end()``.

Under a flood, wake-ups closer together than ``maxdelay`` are merged: the next batch starts
at most ``maxdelay`` after the previous one, so a ban is never delayed by more than that
(plus the batch's own processing), and a quiet log is read at once.  Every
``min(sleeptime, 1 s)`` fail2ban's service tasks run and log positions are saved at most
every ``DB_UPDATE_S``.
"""
import logging
import os
import time

from fail2ban.server.mytime import MyTime

log = logging.getLogger("fail2ban.f2btune")

DB_UPDATE_S = 5.0


class ReadLoop(object):

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
        self._loop_start()
        self.warm_up()
        next_svc = 0.0
        log.debug("[%s] filter started (%s)", self.jailName, type(self).__name__)
        while self.active:
            try:
                if self.idle:
                    time.sleep(min(self.sleeptime, 0.5))
                    continue
                more = self._read_available()
                last_batch = time.monotonic()
                if last_batch >= next_svc:
                    next_svc = last_batch + min(self.sleeptime, 1.0)
                    self.performSvc()
                self.ticks += 1
                self._flush_db_positions()
                if more:
                    continue
                woke = self._wait(max(0.0, next_svc - time.monotonic()))
                if woke and self.active and self.maxdelay:
                    delay = last_batch + self.maxdelay - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            except Exception as e:  # pragma: no cover - keep the jail alive, as stock does
                if not self.active:
                    break
                self._loop_error(e)
        log.debug("[%s] filter exited (%s)", self.jailName, type(self).__name__)
        self._loop_end()
        return True

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
