"""A scripted OpenAI-compatible chat server for the judge tests and benchmark (no network).

It answers `POST /v1/chat/completions` on 127.0.0.1 and counts calls per item (the
`X-Annotator-Item` header the judge runner sends: the item's id, or `<item_id>#swapped`
for the call `judge run --swap` makes with A and B exchanged, so a script can answer the
two orientations differently). A script says, per item, what each successive call
gets: a status (`429` with `Retry-After`, `500`, `400`), a delay, raw content (malformed
or off-scale answers), a different model; unscripted calls get a valid answer built from
the JSON schema in the request (the first option of every criterion: for a preference,
"A", whichever answer is shown first). `GET /_stats` returns the
counts; `POST /_script` replaces the script. Run it in a thread (`FakeServer`) or as
a process: `python -m tests.support.fake_llm --delay 0.05 --port-file PATH`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SCHEMA_MARK = "JSON schema:\n"


def auto_answer(schema: dict[str, Any]) -> dict[str, Any]:
    """A valid answer: the first option of every criterion, and a short rationale."""
    out: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        prop = prop["anyOf"][0] if "anyOf" in prop else prop
        kinds = prop.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "enum" in prop:
            out[key] = next(v for v in prop["enum"] if v is not None)
        elif "array" in kinds:
            out[key] = [next(v for v in prop["items"]["enum"] if v is not None)]
        elif "boolean" in kinds:
            out[key] = True
        elif "number" in kinds or "integer" in kinds:
            out[key] = prop.get("minimum", 0)
        else:
            out[key] = "fine" if key != "rationale" else "scripted rationale"
    return out


def _schema_of(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    for message in body.get("messages", []):
        text = message.get("content") or ""
        if SCHEMA_MARK in text:
            return json.loads(text.split(SCHEMA_MARK, 1)[1].strip().split("\n\n", 1)[0])
    return {"properties": {}}


class Script:
    """What the server answers. Thread-safe: the handler threads share one instance."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        self.model = data.get("model", "fake-judge-1")
        self.fingerprint = data.get("fingerprint", "fp_test_1")
        self.delay_s = float(data.get("delay_s", 0.0))
        self.steps: dict[str, list[dict[str, Any]]] = data.get("items", {})
        self.model_after: list[list[Any]] = data.get("model_after", [])  # [[calls, model]]
        self.reject_response_format = bool(data.get("reject_response_format", False))
        self.usage = data.get("usage", {"prompt_tokens": 100, "completion_tokens": 20})
        self.calls: Counter[str] = Counter()
        self.total = 0
        self.lock = threading.Lock()

    def next_step(self, item: str) -> tuple[dict[str, Any], str]:
        with self.lock:
            n = self.calls[item]
            self.calls[item] += 1
            self.total += 1
            model = self.model
            for after, other in self.model_after:
                if self.total > after:
                    model = other
            steps = self.steps.get(item, [])
            return (steps[n] if n < len(steps) else {}), model


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        script = self.server.script
        with script.lock:
            self._send(200, {"calls": dict(script.calls), "total": script.total})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path == "/_script":
            self.server.script = Script(body)
            self._send(200, {"ok": True})
            return
        script = self.server.script
        item = self.headers.get("X-Annotator-Item", "")
        step, model = script.next_step(item)
        delay = float(step.get("delay", script.delay_s))
        if delay:
            time.sleep(delay)
        status = int(step.get("status", 200))
        if status == 200 and script.reject_response_format and "response_format" in body:
            status = 400
        if status != 200:
            headers = {"Retry-After": str(step["retry_after"])} if "retry_after" in step else {}
            error = {"message": f"scripted {status}", "type": "scripted", "code": status}
            self._send(status, {"error": error}, headers)
            return
        content = step.get("content")
        if content is None:
            content = json.dumps(auto_answer(_schema_of(body)))
        usage = step.get("usage", script.usage)
        reply = {
            "id": f"chatcmpl-{script.total}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": step.get("model", model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {**usage, "total_tokens": sum(usage.values())},
        }
        if script.fingerprint:
            reply["system_fingerprint"] = step.get("fingerprint", script.fingerprint)
        self._send(200, reply)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    script: Script

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-call (the kill test) is expected, not news


class FakeServer:
    """The server in a thread of this process: `with FakeServer(script) as server: ...`."""

    def __init__(self, script: dict[str, Any] | None = None) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.script = Script(script)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def script(self) -> Script:
        return self.httpd.script

    def set_script(self, script: dict[str, Any]) -> None:
        self.httpd.script = Script(script)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.script = Script({"delay_s": args.delay})
    args.port_file.write_text(str(httpd.server_address[1]))
    httpd.serve_forever()


if __name__ == "__main__":
    main()
