"""Coalescing within the latency budget, with time driven explicitly."""
from f2btune.backend.loop import BATCH_TARGET, MIN_DELAY, ReadLoop


class Loop(ReadLoop):
    def __init__(self, budget):
        self.maxdelay = budget
        self.stats = {"lines": 0}


def feed(loop, rate, seconds, every):
    """Wake-ups every ``every`` s for ``seconds``, reading what ``rate`` lines/s wrote."""
    t = 1000.0
    loop._note_rate(t)
    for _ in range(int(seconds / every)):
        t += every
        loop.stats["lines"] += int(round(rate * every))
        loop._note_rate(t)
    return loop.coalesce_delay()


def test_delay_follows_the_rate_within_the_budget():
    budget = 0.2
    slow = feed(Loop(budget), 40, 10, 0.2)          # 8 lines a batch: wait the whole budget
    mid = feed(Loop(budget), 1000, 10, 0.05)
    fast = feed(Loop(budget), 20000, 10, 0.02)
    assert slow == budget
    assert MIN_DELAY <= fast < mid < budget
    assert abs(mid - BATCH_TARGET / 1000.0) < 1e-6   # enough for BATCH_TARGET lines at the rate
    assert fast == MIN_DELAY


def test_budget_caps_every_delay():
    for budget in (0.0, 0.005, 0.2, 1.0):
        for rate in (1, 40, 400, 100000):
            d = feed(Loop(budget), rate, 5, 0.1)
            assert 0 <= d <= budget


def test_quiet_gap_restarts_the_estimate():
    loop = Loop(0.2)
    feed(loop, 100000, 2, 0.02)
    assert loop.coalesce_delay() == MIN_DELAY
    t = loop._rate_at[0] + 30.0                       # a long quiet spell, then one line
    loop.stats["lines"] += 1
    loop._note_rate(t)
    assert loop.coalesce_delay() == 0.2


class Scripted(ReadLoop):
    """A flavour whose reads follow a script: lines per read, then the loop is stopped."""
    jailName = "scripted"
    sleeptime = 1.0
    idle = False
    ticks = 0
    _pendDBUpdates = {}

    def __init__(self, reads):
        self.maxdelay = 0.001
        self.stats = {"lines": 0}
        self.reads = list(reads)
        self.calls = []
        self.active = True
        self.options = type("Options", (), {"promptban": False})()

    def _loop_start(self):
        pass

    def _loop_end(self):
        pass

    def warm_up(self):
        pass

    def stretch_actions_thread(self):
        pass

    def performSvc(self):
        pass

    def _read_available(self):
        n = self.reads.pop(0) if self.reads else 0
        self.stats["lines"] += n
        self.calls.append("read %d" % n)
        if not self.reads:
            self.active = False
        return False

    def _wait(self, timeout):
        self.calls.append("wait")
        return True


def test_one_wake_up_per_batch_while_lines_come():
    """Between batches that bring lines the loop only sleeps out the delay and reads (the
    wake-ups stay queued); a read that brings nothing sends it back to waiting, which takes
    them (as does the first read)."""
    loop = Scripted([5, 8, 8, 0, 3, 0, 0])
    loop._loop()
    assert loop.calls == ["read 5", "wait", "read 8", "read 8", "read 0", "wait",
                          "read 3", "read 0", "wait", "read 0", "wait"]



def test_service_step_is_a_second_while_lines_come_and_longer_when_quiet(monkeypatch):
    """While lines come fail2ban's service tasks are due every second; after a wake-up that
    brought nothing the next is IDLE_SERVICE_S away, so a quiet log wakes the loop rarely."""
    from f2btune.backend import loop as loop_mod
    clock = [100.0]
    monkeypatch.setattr(loop_mod.time, "monotonic", lambda: clock[0])
    lp = Scripted([])
    runs = []
    lp.performSvc = lambda: runs.append(clock[0])
    idle = loop_mod.IDLE_SERVICE_S
    assert idle > 1.0
    lp.wake_done()                                     # start: nothing read yet
    assert lp._next_svc == 100.0 + idle
    for t, lines in ((105.0, 5), (106.0, 3), (107.0, 8)):
        clock[0] = t
        lp.stats["lines"] += lines
        lp.wake_done()
        assert lp._next_svc == t + 1.0                 # lines came: a second
    clock[0] = 108.0
    lp.wake_done()                                     # nothing new
    assert lp._next_svc == 108.0 + idle and runs == [100.0, 105.0, 106.0, 107.0, 108.0]
