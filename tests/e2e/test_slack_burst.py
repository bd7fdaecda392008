"""A burst of slash commands while Slack's Web API is slow: every one is acknowledged in time
and every person gets their modal.

The request threads (16) and Bolt's listener executor (32) are both smaller than the burst,
and each listener waits on ``views.open``. Slack counts a command as failed when its answer
takes longer than 3 seconds, so the acks must not queue behind other people's Web API calls
for long; and no request may be lost or answered twice. Over real HTTP against ``vpbot
serve``, with first-time users (each one is created on the way).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import SlackWorld
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.slack_requests import SlackSender
from vpbot.web.threads import REQUEST_THREADS

BURST = 64
VIEWS_OPEN_SECONDS = 0.5  # a slow day at Slack: every views.open takes half a second
SLACK_ACK_DEADLINE = 3.0  # seconds; a later answer makes Slack show the person an error


def test_a_burst_of_commands_is_acknowledged_in_time_while_slack_is_slow(slack_world: SlackWorld) -> None:
    api = slack_world.api
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def slow_views_open(call: RecordedCall) -> Reply:
        nonlocal in_flight, most_in_flight
        with lock:
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
        time.sleep(VIEWS_OPEN_SECONDS)
        with lock:
            in_flight -= 1
        return Reply(200, {"ok": True, "view": {"id": f"V{call.params['trigger_id']}"}})

    api.handlers["views.open"] = slow_views_open
    api.server.socket.listen(256)  # http.server's backlog of 5 would drop connections in a burst
    start = threading.Barrier(BURST, timeout=30)

    def command(n: int) -> tuple[int, str, float]:
        sender = SlackSender(slack_world.server.base_url)  # its own connection, as Slack's are
        try:
            start.wait()
            sent = time.monotonic()
            answer = sender.command(f"U0BURST{n:03d}", trigger_id=f"burst-{n}")
            return answer.status_code, answer.text, time.monotonic() - sent
        finally:
            sender.http.close()

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        answers = list(pool.map(command, range(BURST)))

    opened = api.wait_for("views.open", BURST, timeout=30)
    assert [status for status, _, _ in answers] == [200] * BURST
    assert all(body == "" for _, body, _ in answers)  # a plain ack: nothing echoed, no error text
    slowest = max(seconds for _, _, seconds in answers)
    assert slowest < SLACK_ACK_DEADLINE, f"an ack took {slowest:.2f} s"
    assert sorted(str(call.params["trigger_id"]) for call in opened) == sorted(f"burst-{n}" for n in range(BURST))
    assert most_in_flight > REQUEST_THREADS  # Web API calls overlapped beyond the request threads
    assert api.view_errors == []
    assert "Traceback" not in slack_world.server.log_so_far()
