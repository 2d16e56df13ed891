"""Load on the web app (issue 14, "Load"): simulated agents, QA markers, team leaders and
residents, with locust driven in-process through its library API (headless). Prints requests per
second, p50/p95/p99 per page and the errors.

    .venv/bin/python benchmarks/load.py [--users 50] [--seconds 120] [--url URL --logins FILE]
    .venv/bin/python benchmarks/load.py --smoke        # 5 users for 20 s

Without --url it makes a demo centre of its own (`qa demo` in a fresh data folder: a few
minutes; QA_DATABASE_URL picks PostgreSQL) and serves it with `qa serve`. With --url it uses a
running app (started with QA_TRUSTED_PROXIES=127.0.0.1, so that each simulated person has an
address of their own); --logins names the `demo-logins.txt` of its data folder ("role email
password" a line). The issue's year of a 300-agent centre: benchmarks/seed_year.py, which also
writes the open survey links (`survey-links.txt` beside the logins) that residents answer.

Staff sign in with the demo login of their role, read the links their home page shows (their
navigation: what that role may open) and then open them at random, a second or two apart, as a
person reading would; team leaders also list calls with filters; QA markers take a call of the
sample to mark and open and save its marking page (the background save of a draft). Residents
open a survey link, answer and send it, each link once. Pages are grouped by their path, ids
replaced by {id}.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task  # patches the standard library with gevent
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
QA = [sys.executable, "-c", "from qa_app.cli import main; main()"]
SKIP = re.compile(r"^/(logout|static/|s/|open311/|api/|schema|login)|\.(pdf|xlsx|zip|csv|ics)$|/recording")
LOGINS: dict[str, tuple[str, str]] = {}  # role -> (email, password)
ADDRESSES = itertools.count()
MARKERS = itertools.count()  # which pick of the queue each simulated marker takes


def page_name(path: str) -> str:
    return re.sub(r"/\d+", "/{id}", path.split("?")[0]) + ("?filters" if "?" in path else "")


class StaffUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 2)

    def on_start(self) -> None:
        # Each simulated person comes from an address of their own, as staff at their desks do:
        # the app believes X-Forwarded-For from 127.0.0.1 (QA_TRUSTED_PROXIES below), so the
        # per-address login limit (10 a minute) applies to each person, not to the whole run.
        number = next(ADDRESSES)
        self.client.headers["X-Forwarded-For"] = f"10.{number // 250}.{number % 250 + 1}.1"
        email, password = LOGINS[self.role]
        page = self.client.get("/login", headers={"accept": "text/html"}, name="/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/login",
            data={"email": email, "password": password, "next": "/", "_csrf_token": token},
            headers={"accept": "text/html"},
            name="/login (post)",
        )
        home = self.client.get("/", headers={"accept": "text/html"}, name="/")
        links = {h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', home.text)}
        self.pages = sorted(link for link in links if not SKIP.search(link.split("?")[0])) or ["/"]

    @task
    def browse(self) -> None:
        """Any page of the navigation, now and then."""
        path = random.choice(self.pages)
        self.client.get(path, headers={"accept": "text/html"}, name=page_name(path))

    @task(2)
    def calls_with_filters(self) -> None:
        """The calls list, answered calls since a day in the last months, maybe of one queue."""
        since = (datetime.now() - timedelta(days=random.randint(7, 120))).date().isoformat()
        queue = random.choice(["", "&queue=general", "&queue=waste"])
        self.client.get(
            f"/calls?disposition=answered&date_from={since}{queue}",
            headers={"accept": "text/html"},
            name="/calls?filters",
        )


class Agent(StaffUser):
    role = "agent"
    weight = 5

    @task(4)
    def my_month(self) -> None:
        """The agent's month: their balanced scorecard, evaluations and automatic checks."""
        month = next((p for p in self.pages if p.startswith("/scorecards/agents/")), None)
        if month:
            self.client.get(month, headers={"accept": "text/html"}, name=page_name(month))


def radio_answers(html: str) -> dict[str, str]:
    """One of the offered values for each group of radio buttons on a page."""
    offered: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="radio"[^>]*?name="([^"]+)" value="([^"]*)"', html):
        offered.setdefault(name, []).append(value)
    return {name: random.choice(values) for name, values in offered.items()}


class QualityTeam(StaffUser):
    role = "qa"
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        # The marker takes a call of the month's sample to mark (or one already begun).
        queue = self.client.get("/qa/queue", headers={"accept": "text/html"}, name="/qa/queue")
        self.evaluation = None
        begun = re.findall(r'href="/evaluations/(\d+)"', queue.text)
        picks = re.findall(r'action="/qa/assignments/(\d+)/mark"', queue.text)
        if picks:
            # Each marker a call of their own: two markers opening the same pick at once are
            # (rightly) refused, which would count as an error of the run.
            token = re.search(r'name="_csrf_token" value="([^"]+)"', queue.text).group(1)
            marked = self.client.post(
                f"/qa/assignments/{picks[next(MARKERS) % len(picks)]}/mark",
                data={"_csrf_token": token},
                headers={"accept": "text/html"},
                name="/qa/assignments/{id}/mark",
            )
            found = re.search(r"/evaluations/(\d+)", marked.url or "")
            self.evaluation = found.group(1) if found else None
        if self.evaluation is None and begun:
            self.evaluation = random.choice(begun)

    @task(4)
    def mark(self) -> None:
        """Open the marking page and save answers as the page does in the background."""
        if self.evaluation is None:
            return
        page = self.client.get(
            f"/evaluations/{self.evaluation}", headers={"accept": "text/html"}, name="/evaluations/{id}"
        )
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        if token is None:  # submitted by someone else meanwhile: nothing to save
            return
        self.client.post(
            f"/evaluations/{self.evaluation}/draft",
            data={"_csrf_token": token.group(1), **radio_answers(page.text), "comment": "Clear and kind."},
            headers={"accept": "text/html", "hx-request": "true"},
            name="/evaluations/{id}/draft (post)",
        )


class TeamLeader(StaffUser):
    role = "team_leader"
    weight = 2

    @task(4)
    def team_month(self) -> None:
        """The team's month (the navigation's "Team month" leads to the leader's team)."""
        self.client.get("/scorecards/teams", headers={"accept": "text/html"}, name="/scorecards/teams/{id}")


SURVEY_LINKS: list[str] = []  # open survey links (benchmarks/seed_year.py writes them)


class Resident(HttpUser):
    """A resident answers the survey of their call: opens the link, answers, sends."""

    weight = 3
    wait_time = between(3, 6)

    def on_start(self) -> None:
        number = next(ADDRESSES)
        self.client.headers["X-Forwarded-For"] = f"172.{16 + number // 250 % 16}.{number % 250 + 1}.1"

    @task
    def answer(self) -> None:
        if not SURVEY_LINKS:
            return
        token = SURVEY_LINKS.pop()
        page = self.client.get(f"/s/{token}", headers={"accept": "text/html"}, name="/s/{token}")
        answers = radio_answers(page.text)
        if not answers:
            return
        self.client.post(
            f"/s/{token}",
            data={**answers, "lang": "en"},
            files={"unused": ("", b"")},  # the form is multipart (it may carry a spoken comment)
            headers={"accept": "text/html"},
            name="/s/{token} (post)",
        )


def serve_a_demo(folder: Path) -> tuple[subprocess.Popen, str, Path]:
    env = {**os.environ, "QA_DATA_DIR": str(folder), "QA_BACKGROUND": "0", "QA_TRUSTED_PROXIES": "127.0.0.1"}
    print(f"loading the demo centre into {folder} (a few minutes)...", file=sys.stderr)
    subprocess.run([*QA, "demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = 8765
    server = subprocess.Popen(
        [*QA, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return server, url, folder / "demo-logins.txt"
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the app did not start")


def run(url: str, users: int, seconds: float) -> int:
    classes = [Agent, QualityTeam, TeamLeader] + ([Resident] if SURVEY_LINKS else [])
    env = Environment(user_classes=classes, host=url, events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(1, users / 5))
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    stats = env.stats
    print(f"\n{users} users for {seconds:.0f} s against {url}")
    print(f"{'page':<40} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for (name, method), entry in sorted(stats.entries.items()):
        print(
            f"{method + ' ' + name:<40.40} {entry.num_requests:>8} {entry.num_failures:>6} "
            f"{entry.get_response_time_percentile(0.5):>7.0f} {entry.get_response_time_percentile(0.95):>7.0f} "
            f"{entry.get_response_time_percentile(0.99):>7.0f}"
        )
    total = stats.total
    print(
        f"{'all':<40} {total.num_requests:>8} {total.num_failures:>6} {total.get_response_time_percentile(0.5):>7.0f} "
        f"{total.get_response_time_percentile(0.95):>7.0f} {total.get_response_time_percentile(0.99):>7.0f}"
    )
    print(f"requests per second: {total.total_rps:.1f}; errors: {total.num_failures}")
    for error in stats.errors.values():
        print(f"  error: {error.method} {error.name}: {error.error} ({error.occurrences}x)")
    return 1 if total.num_failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--smoke", action="store_true", help="5 users for 20 s")
    parser.add_argument("--url", help="a running app (else a demo centre is made and served)")
    parser.add_argument("--logins", type=Path, help="its demo-logins.txt (with --url)")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.seconds = 5, 20
    server = None
    if args.url:
        if not args.logins:
            parser.error("--url needs --logins")
        url, logins = args.url.rstrip("/"), args.logins
    else:
        server, url, logins = serve_a_demo(Path(tempfile.mkdtemp(prefix="qa-load-")))
    for line in logins.read_text().splitlines():
        role, email, password = line.split()
        LOGINS[role] = (email, password)
    links = logins.with_name("survey-links.txt")
    if links.is_file():
        SURVEY_LINKS.extend(t for t in links.read_text().split() if t)
        random.shuffle(SURVEY_LINKS)
    try:
        code = run(url, args.users, args.seconds)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
    sys.exit(code)


if __name__ == "__main__":
    main()
