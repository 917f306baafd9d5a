"""Twenty software-engineering items: Python, SQL, shell, Go, Java, ops questions.

Several answers are deliberately buggy or unsafe so reviewers have something
to catch; do not copy code from them.
"""

from __future__ import annotations

from demo_gen.model import NEW, Spec, pair, single, t

REVIEWER = "You are a senior engineer doing code review. Be specific and concise."

ITEMS: list[Spec] = [
    single(
        "code-001",
        "How do I reverse a list in Python?",
        t("""
        Three common ways:

        ```python
        nums = [1, 2, 3]
        nums.reverse()            # in place, returns None
        backwards = nums[::-1]    # new list
        for n in reversed(nums):  # iterator, no copy
            print(n)
        ```
        """),
        c=5,
        verdict="ship",
        why="All three idioms are correct and their differences are stated.",
    ),
    single(
        "code-002",
        "Our Python script calling the internal API fails with "
        "`SSL: CERTIFICATE_VERIFY_FAILED`. How do I fix it?",
        t("""
        The quickest fix is to turn off verification:

        ```python
        requests.get(url, verify=False)
        ```

        To make it apply everywhere, set `PYTHONHTTPSVERIFY=0` in the environment, and
        silence the warnings with `urllib3.disable_warnings()`.
        """),
        c=2,
        safety="unsafe",
        issues=("unsafe_advice",),
        verdict="reject",
        why="Disabling TLS verification opens the door to man-in-the-middle attacks; trust the "
        "internal CA instead.",
        hard=True,
        reference="Point requests at the company CA bundle: verify='/path/to/ca.pem' or "
        "REQUESTS_CA_BUNDLE.",
    ),
    single(
        "code-003",
        "Write a Python function that checks whether a string is a palindrome, ignoring case "
        "and anything that isn't a letter or digit.",
        t("""
        ```python
        def is_palindrome(s: str) -> bool:
            cleaned = [c.lower() for c in s if c.isalnum()]
            return cleaned == cleaned.reverse()
        ```

        `isalnum()` drops punctuation and spaces, and comparing the list with its reverse
        checks the palindrome property.
        """),
        c=2,
        verdict="reject",
        why="list.reverse() returns None, so the function always returns False.",
        reference="return cleaned == cleaned[::-1]",
    ),
    single(
        "code-004",
        "How do I add retries with exponential backoff to an async HTTP call using httpx?",
        t("""
        Wrap the call in a small loop that retries only on errors worth retrying, waits
        longer each time, and adds jitter so many clients don't retry in lockstep.

        ```python
        import asyncio
        import random

        import httpx

        RETRY_STATUS = {429, 502, 503, 504}


        async def get_with_retry(
            client: httpx.AsyncClient,
            url: str,
            attempts: int = 5,
            base: float = 0.5,
            cap: float = 10.0,
        ) -> httpx.Response:
            for attempt in range(attempts):
                try:
                    response = await client.get(url)
                    if response.status_code not in RETRY_STATUS:
                        response.raise_for_status()
                        return response
                except (httpx.ConnectError, httpx.ReadTimeout):
                    if attempt == attempts - 1:
                        raise
                else:
                    if attempt == attempts - 1:
                        response.raise_for_status()
                delay = min(cap, base * 2**attempt)
                await asyncio.sleep(random.uniform(0, delay))  # "full jitter"
            raise AssertionError("unreachable")
        ```

        Notes:

        - Don't retry other 4xx errors: the request itself is wrong.
        - If the server sends `Retry-After` on a 429, prefer that over your own delay.
        - For non-idempotent requests (POST), only retry if the API supports idempotency keys.
        - `httpx.AsyncHTTPTransport(retries=3)` retries connection failures only, not
          status codes.
        """),
        c=5,
        verdict="ship",
        why="Correct loop with capped full-jitter backoff, sensible retry set and caveats.",
        hard=True,
        version=NEW,
    ),
    single(
        "code-005",
        "What does `git rebase -i HEAD~3` do?",
        "It opens an editor listing your last three commits, oldest first. For each one you "
        "choose an action: `pick` keeps it, `reword` changes its message, `squash` or `fixup` "
        "folds it into the previous commit, `drop` removes it, and you can reorder the lines. "
        "When you save, git replays the commits that way, which rewrites their hashes, so avoid "
        "it on commits others have already pulled.",
        c=5,
        verdict="ship",
        why="Accurate description of interactive rebase and its main risk.",
    ),
    single(
        "code-006",
        "Write a Flask endpoint that looks up a user by username in our SQLite database and "
        "returns them as JSON.",
        t("""
        ```python
        import sqlite3
        from flask import Flask, jsonify

        app = Flask(__name__)

        @app.get("/users/<username>")
        def get_user(username):
            db = sqlite3.connect("app.db")
            row = db.execute(
                f"SELECT id, username, email FROM users WHERE username = '{username}'"
            ).fetchone()
            if row is None:
                return jsonify(error="not found"), 404
            return jsonify(id=row[0], username=row[1], email=row[2])
        ```
        """),
        c=2,
        safety="unsafe",
        issues=("unsafe_advice",),
        verdict="reject",
        why="Building SQL with an f-string is a textbook injection hole; use a ? parameter. "
        "The connection is also never closed.",
        reference="db.execute('SELECT ... WHERE username = ?', (username,))",
    ),
    single(
        "code-007",
        [
            ("system", REVIEWER),
            (
                "user",
                t("""
            Why does this sometimes crash with "fatal error: concurrent map writes"?

            ```go
            counts := map[string]int{}
            var wg sync.WaitGroup
            for _, w := range words {
                wg.Add(1)
                go func(w string) {
                    defer wg.Done()
                    counts[w]++
                }(w)
            }
            wg.Wait()
            ```
            """),
            ),
        ],
        t("""
        Go maps aren't safe for concurrent writes: every goroutine does `counts[w]++` on the
        same map at once, and the runtime detects the race and aborts.

        Guard the map with a mutex:

        ```go
        var mu sync.Mutex
        go func(w string) {
            defer wg.Done()
            mu.Lock()
            counts[w]++
            mu.Unlock()
        }(w)
        ```

        Simpler still: counting words is cheap, so the goroutines buy nothing here; a plain
        loop is faster. `go test -race` finds this class of bug.
        """),
        c=5,
        verdict="ship",
        why="Correct diagnosis and fix, plus the useful point that concurrency isn't needed.",
        hard=True,
    ),
    single(
        "code-008",
        "How do I install a Python package globally on my Mac?",
        "Run `sudo pip install <package>`. Using sudo makes sure it installs for all users "
        "and avoids permission errors.",
        c=2,
        issues=("outdated",),
        verdict="reject",
        why="sudo pip breaks system and Homebrew Pythons (PEP 668 now blocks it); use pipx "
        "for tools or a virtual environment.",
    ),
    single(
        "code-009",
        "What is the time complexity of Python's list.sort()?",
        "O(n log n) in the worst case and O(n) on input that is already sorted or made of a "
        "few sorted runs. CPython uses an adaptive, stable merge sort (Timsort; since 3.11 with "
        "the Powersort merge policy), and it needs up to n/2 extra pointers of memory.",
        c=5,
        verdict="ship",
        why="Correct bounds, stability, and the 3.11 merge-policy detail.",
        hard=True,
        version=NEW,
    ),
    single(
        "code-010",
        "How do I read a CSV into pandas and skip the first 3 rows?",
        t("""
        ```python
        import pandas as pd

        df = pd.read_csv("data.csv", skip_rows=3)
        ```
        """),
        c=3,
        issues=("hallucination",),
        verdict="revise",
        why="The parameter is `skiprows`; `skip_rows` raises a TypeError.",
        reference='pd.read_csv("data.csv", skiprows=3)',
    ),
    single(
        "code-011",
        "What's the difference between asyncio.gather and asyncio.TaskGroup?",
        t("""
        Both run coroutines concurrently and wait for them.

        - `asyncio.gather(*aws)` returns the results in order. By default, the first exception
          is raised to the caller but the other tasks **keep running**; with
          `return_exceptions=True` exceptions come back as results instead.
        - `async with asyncio.TaskGroup() as tg:` (Python 3.11+) creates tasks with
          `tg.create_task()`. If one fails, the group **cancels the rest** and raises an
          `ExceptionGroup` with every error when the block exits.

        Prefer `TaskGroup` for new code: failures can't leave orphaned tasks behind.
        """),
        c=5,
        verdict="ship",
        why="Accurately contrasts failure handling and cancellation.",
        hard=True,
        version=NEW,
    ),
    single(
        "code-012",
        [
            ("system", "You help students in a JavaScript bootcamp. Keep answers short."),
            ("user", "why is 0.1 + 0.2 === 0.3 false??"),
        ],
        t("""
        Numbers in JavaScript are 64-bit binary floating point. 0.1 and 0.2 can't be stored
        exactly in binary, so their sum is 0.30000000000000004, not 0.3.

        Compare with a tolerance instead:

        ```js
        Math.abs(0.1 + 0.2 - 0.3) < Number.EPSILON  // true
        ```

        For money, work in whole cents (integers).
        """),
        c=5,
        verdict="ship",
        why="Correct explanation and practical advice.",
    ),
    single(
        "code-013",
        "How do I center a div horizontally and vertically on the page?",
        "Give the div a width and set `margin: 0 auto;`. That centers it in its container.",
        c=3,
        issues=("incomplete",),
        verdict="revise",
        why="Only centers horizontally; flexbox or grid (`place-items: center`) is needed for "
        "both axes.",
    ),
    single(
        "code-014",
        "Write a production Dockerfile for a FastAPI app managed with uv.",
        t("""
        ```dockerfile
        FROM python:3.12-slim

        COPY --from=ghcr.io/astral-sh/uv:latest /uv /uvx /bin/

        WORKDIR /app
        COPY . .
        RUN uv sync --frozen --no-dev

        EXPOSE 8000
        CMD ["uv", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
        ```

        `--frozen` installs exactly what `uv.lock` pins, and `--no-dev` leaves out test tools.
        """),
        c=3,
        issues=("incomplete",),
        verdict="revise",
        why="Works, but copies the source before installing dependencies (no layer caching), "
        "runs as root and pins uv to :latest.",
        hard=True,
        version=NEW,
    ),
    single(
        "code-015",
        "Give me a regex to validate an email address.",
        t("""
        A practical pattern:

        ```
        ^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$
        ```

        It checks for one `@`, no spaces, and a dot in the domain. A regex can't fully
        validate RFC 5322 addresses, and the only real test is sending a confirmation email,
        so keep the pattern loose and verify by email.
        """),
        c=4,
        verdict="ship",
        why="Sensible loose pattern with the right caveat; it accepts a few invalid forms.",
    ),
    single(
        "code-016",
        "In Java, is `count++` on a `volatile int` field thread-safe?",
        "Yes. Declaring the field `volatile` makes reads and writes atomic and visible to all "
        "threads, so `count++` can safely be called from several threads without locks.",
        c=1,
        issues=("hallucination",),
        verdict="reject",
        why="count++ is read-modify-write; volatile gives visibility, not atomicity. Use "
        "AtomicInteger or a lock.",
        hard=True,
    ),
    single(
        "code-017",
        "Bash: how do I find every file over 100 MB on my system?",
        t("""
        ```bash
        sudo find / -xdev -type f -size +100M -exec ls -lh {} + 2>/dev/null
        ```

        `-xdev` stays on one filesystem (skips /proc and mounted drives), `-size +100M`
        matches files over 100 MiB, and `2>/dev/null` hides permission errors.
        """),
        c=5,
        verdict="ship",
        why="Correct command with sensible flags explained.",
    ),
    pair(
        "code-018",
        "Python one-liner to count how often each word appears in a string `text`.",
        "`collections.Counter(text.split())`",
        "`{w: text.count(w) for w in text.split()}`",
        pref="A",
        verdict="ship",
        why="B is quadratic and counts substrings ('a' inside 'cat'); A is correct and linear.",
    ),
    pair(
        "code-019",
        "Is `rm -rf $BUILD_DIR/` safe to use in our cleanup script?",
        "Yes, that's the standard way to clean a build directory. The trailing slash makes "
        "sure only the contents are removed.",
        t("""
        Not as written. If `BUILD_DIR` is empty or unset, it expands to `rm -rf /`. Guard it:

        ```bash
        set -euo pipefail
        rm -rf -- "${BUILD_DIR:?BUILD_DIR is not set}/"
        ```

        `${VAR:?}` aborts when the variable is empty, the quotes protect against spaces, and
        `--` stops a name starting with `-` being read as an option.
        """),
        pref="B",
        safety="unsafe",
        issues=("unsafe_advice",),
        verdict="ship",
        why="A endorses a command that can wipe the filesystem; B explains the danger and the "
        "standard guard.",
        hard=True,
    ),
    single(
        "code-020",
        [
            ("system", "You are a DevOps assistant for a small SaaS team."),
            ("user", "Our main Postgres volume is at 95% full and climbing. Quick fix?"),
        ],
        t("""
        Free space fast:

        1. Run `VACUUM FULL` on your largest tables right away to reclaim bloat.
        2. Delete old files from `pg_wal/` (sort by date, keep the newest few).
        3. Then look for large tables you can truncate.
        """),
        c=1,
        safety="unsafe",
        issues=("unsafe_advice",),
        verdict="reject",
        why="VACUUM FULL needs room for a full table copy and locks it; deleting pg_wal files "
        "by hand can corrupt the cluster.",
        hard=True,
        version=NEW,
    ),
]
