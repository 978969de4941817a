"""Every screen a trainee, trainer and admin can reach by following links, at desktop and phone width:
no link leads to an error page, nothing scrolls sideways, no script fails, no serious accessibility
problem, and no raw internal id where a person reads a title.

The crawl starts from each role's home (and, for the trainee, one open attempt at every sandbox
exercise), follows same-site links breadth first and visits at most two pages of each shape at desktop width and
one at phone width (`/trainer/people/7` and `/trainer/people/9` are one shape: the second page of a
shape is another record in the same template, whose layout the phone crawl already saw), so it stays
quick while new screens are covered the moment a link to them appears."""
from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser.conftest import assert_screen_ok, sign_in_through_form

pytestmark = pytest.mark.browser

SKIP = re.compile(r"\.(csv|ics|gift|xml)$|^/auth/|^/static/|^/api/")
PER_SHAPE = 2
# internal ids that must never reach a person: module, quiz, scenario and check keys, audit actions
RAW_ID = re.compile(r"\b(?:ilt|el|ex|ja|rf)-[a-z]+(?:-[a-z]+)*\b|\b[a-z]+-[a-z-]+:[a-z-]+\b|\b[a-z]+\.[a-z]+_[a-z_]+\b")


def shape(path: str) -> str:
    """`/trainer/people/7` and `/trainer/people/9` are one shape; so are any two questions', tests',
    lessons' or exercises' pages (named by key, not number)."""
    return re.sub(r"\d+", "N", re.sub(r"/(questions|tests|lessons|exercises)/[^/]+", r"/\1/K", path))


def crawl(page, base: str, starts: list[str], limit: int = 80, per_shape: int = PER_SHAPE) -> list[str]:
    seen_shapes: Counter = Counter()
    visited: set[str] = set()
    queue = deque(starts)
    problems: list[str] = []
    while queue and len(visited) < limit:
        url = queue.popleft()
        parts = urlsplit(url)
        key = parts.path + ("?" + parts.query if parts.query else "")
        if key in visited or seen_shapes[shape(parts.path)] >= per_shape:
            continue
        visited.add(key)
        seen_shapes[shape(parts.path)] += 1
        response = page.goto(url)
        if response is None or response.status >= 400:
            problems.append(f"{key}: HTTP {response.status if response else '—'} (linked from an earlier page)")
            continue
        try:
            assert_screen_ok(page, key)
        except AssertionError as error:
            problems.append(str(error))
        text = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
        raw = sorted(set(RAW_ID.findall(text)))
        if raw:
            problems.append(f"{key}: raw internal ids on screen {raw[:5]}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            if target.startswith(base) and not SKIP.search(urlsplit(target).path):
                queue.append(target)
    assert not problems, "\n".join(problems)
    return sorted(visited)


@pytest.fixture
def open_exercises(fitted_demo):
    """An open attempt at every sandbox exercise for the demo trainee (the sandbox's screens), after
    one finished exercise (its result, and its checks on the trainer's pages)."""
    from app.services import simulation
    from tests.helpers import user_by_email
    from tests.services.test_live_loop import solve_exercise

    tara = user_by_email("trainee@demo.uptake")
    solve_exercise(tara, "advance-opportunity")
    return [simulation.start_exercise(tara, key).id for key in sorted(simulation.scenarios())]


@pytest.mark.parametrize("role", ["trainee", "trainer", "admin", "manager"])
def test_every_reachable_screen_is_right(screen, live_server, open_exercises, role):
    # the manager is a trainee too: their crawl adds the team view to the trainee's screens
    sign_in_through_form(screen, live_server, "vera.larsen21@demo.uptake" if role == "manager" else f"{role}@demo.uptake")
    starts = [screen.url]
    if role == "trainee":
        starts += [f"{live_server}/me/sim/{attempt_id}" for attempt_id in open_exercises]
    phone = screen.viewport_size["width"] < 800
    visited = crawl(screen, live_server, starts, limit={"trainee": 120, "manager": 10}.get(role, 80),
                    per_shape=1 if phone else PER_SHAPE)
    assert len(visited) >= 8, visited
    if role == "manager":
        assert "/team" in visited
