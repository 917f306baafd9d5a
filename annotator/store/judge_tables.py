"""The LLM-judge tables (migration m007_judges): frozen once committed, like every migration.

`judges` holds a judge's settings as JSON (the name of the environment variable that
holds its API key, never the key). `judge_versions` are derived, never typed: the model
and fingerprint the server reported, the endpoint's host, the prompt template's hash,
the rubric version and the sampling settings. `judge_results` has one row per judged
item under a version (its label, or a failure with the raw text); `judge_calls` every
call's exact request and answer, for show-call and replay. All but `judges` are
append-only.
"""

from __future__ import annotations

_KEY = "judge_id INTEGER NOT NULL REFERENCES judges(id)"
JUDGE_APPEND_ONLY = ("judge_versions", "judge_results", "judge_calls")
JUDGE_TABLES = [
    """CREATE TABLE judges (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
        source_id INTEGER NOT NULL REFERENCES sources(id), config TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    f"""CREATE TABLE judge_versions (id INTEGER PRIMARY KEY, {_KEY}, number INTEGER NOT NULL,
        version_key TEXT NOT NULL, reported_model TEXT NOT NULL, system_fingerprint TEXT,
        host TEXT NOT NULL, prompt_sha TEXT NOT NULL, rubric_version_id INTEGER NOT NULL
        REFERENCES rubric_versions(id), sampling TEXT NOT NULL, first_seen TEXT NOT NULL,
        UNIQUE (judge_id, number), UNIQUE (judge_id, version_key))""",
    f"""CREATE TABLE judge_results (id INTEGER PRIMARY KEY, {_KEY}, version_id INTEGER
        NOT NULL REFERENCES judge_versions(id), item_id TEXT NOT NULL, label_id INTEGER
        REFERENCES labels(id), outcome TEXT NOT NULL CHECK (outcome IN ('label',
        'failure')), error TEXT, raw_text TEXT, attempts INTEGER NOT NULL,
        confidence REAL, at TEXT NOT NULL)""",
    f"""CREATE TABLE judge_calls (id INTEGER PRIMARY KEY, {_KEY}, version_id INTEGER
        REFERENCES judge_versions(id), item_id TEXT, result_id INTEGER REFERENCES
        judge_results(id), sample INTEGER NOT NULL, request TEXT NOT NULL, response TEXT,
        outcome TEXT NOT NULL, error TEXT, attempts INTEGER NOT NULL, tokens_in INTEGER,
        tokens_out INTEGER, cost REAL, latency_s REAL, at TEXT NOT NULL)""",
    "CREATE INDEX judge_results_item ON judge_results(judge_id, version_id, item_id)",
    "CREATE INDEX judge_results_label ON judge_results(label_id)",
    "CREATE INDEX judge_calls_result ON judge_calls(result_id)",
]

# -- m008_judge_checks: position bias and canaries (issue 16), frozen once committed ---------

JUDGE_CHECK_APPEND_ONLY = ("judge_swaps", "judge_canary_answers")
JUDGE_CHECK_TABLES = [
    # One row per pairwise item asked again with A and B exchanged (`judge run --swap`):
    # `values_json` is that answer mapped back to the item's own A/B orientation, so it
    # compares directly with the label of `result_id`; `raw_json` is the answer as given.
    f"""CREATE TABLE judge_swaps (id INTEGER PRIMARY KEY, {_KEY}, version_id INTEGER
        NOT NULL REFERENCES judge_versions(id), item_id TEXT NOT NULL, result_id INTEGER
        NOT NULL REFERENCES judge_results(id), values_json TEXT NOT NULL, raw_json TEXT
        NOT NULL, at TEXT NOT NULL)""",
    "CREATE INDEX judge_swaps_result ON judge_swaps(judge_id, result_id)",
    # The lead's canary set per judge: items with known answers (anchors, expert-labeled
    # items), the expected values frozen when chosen so the yardstick never moves.
    # `removed_at` set means out of the set (kept, since past answers refer to it).
    f"""CREATE TABLE judge_canaries (id INTEGER PRIMARY KEY, {_KEY}, item_id TEXT NOT NULL
        REFERENCES items(id), origin TEXT NOT NULL CHECK (origin IN ('anchor', 'expert')),
        expected_json TEXT NOT NULL, added_at TEXT NOT NULL, added_by TEXT NOT NULL,
        removed_at TEXT, UNIQUE (judge_id, item_id))""",
    # Every canary answer, per criterion, scored against the frozen expected value: the
    # series the judge-drift control chart watches. Not labels: re-asking a canary never
    # adds to the judge's labels or its agreement figures. `run_id` groups one canary run.
    f"""CREATE TABLE judge_canary_answers (id INTEGER PRIMARY KEY, {_KEY}, version_id
        INTEGER NOT NULL REFERENCES judge_versions(id), run_id TEXT NOT NULL, item_id TEXT
        NOT NULL, criterion TEXT NOT NULL, value_json TEXT, expected_json TEXT NOT NULL,
        correct INTEGER NOT NULL, at TEXT NOT NULL)""",
    "CREATE INDEX judge_canary_answers_judge ON judge_canary_answers(judge_id, criterion, at)",
    # Why each call was made: 'label' (m007's calls), 'swap' or 'canary'; every call is priced.
    "ALTER TABLE judge_calls ADD COLUMN purpose TEXT NOT NULL DEFAULT 'label'",
]
