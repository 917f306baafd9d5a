"""One call to an OpenAI-compatible server, with our own retry policy (the `openai`
client's own retries are off, so every attempt is counted): `429` waits for its
`Retry-After`, 5xx, timeouts and dropped connections back off and try again, a `400`
to `response_format` falls back to asking for JSON in the prompt, and anything else
fails at once. The API key comes from the environment at call time; it is never
stored, logged or put in an error message.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from annotator.judges.config import JudgeConfig, JudgeError

ITEM_HEADER = "X-Annotator-Item"  # lets a test server count calls per item


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # per call, for 429, 5xx, timeouts and dropped connections
    answer_retries: int = 2  # more calls when an answer is off the rubric
    backoff_s: float = 1.0  # doubled per attempt
    max_wait_s: float = 60.0  # the longest Retry-After or backoff honoured


@dataclass
class CallResult:
    request: dict[str, Any]
    ok: bool = False
    text: str | None = None
    reported_model: str | None = None
    fingerprint: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0
    latency_s: float = 0.0
    error: str | None = None
    status: int | None = None
    log: list[str] = field(default_factory=list)


def resolve_api_key(config: JudgeConfig, api_key: str | None = None) -> str:
    """The key to send: the one given, else the named variable's value; local servers
    need none (a placeholder is sent)."""
    if api_key:
        return api_key
    if config.api_key_env:
        value = os.environ.get(config.api_key_env)
        if not value:
            raise JudgeError(
                f"Judge {config.name!r} reads its API key from the environment variable "
                f"{config.api_key_env}, which is not set. Set it in this shell and run again "
                "(the key is never stored in the project)."
            )
        return value
    return "not-needed"


def make_client(config: JudgeConfig, api_key: str, concurrency: int = 4) -> Any:
    # lazy: openai (and httpx) load only when a judge calls its server
    import httpx
    import openai

    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency)
    return openai.OpenAI(
        base_url=config.base_url,
        api_key=api_key,
        max_retries=0,
        timeout=config.timeout_s,
        http_client=httpx.Client(limits=limits, timeout=config.timeout_s),
    )


def build_request(
    config: JudgeConfig, messages: list[dict[str, str]], schema: dict[str, Any] | None
) -> dict[str, Any]:
    """The exact request body (what is stored per call and replayed)."""
    request: dict[str, Any] = {"model": config.model, "messages": messages}
    for name in ("temperature", "seed", "max_tokens"):
        if getattr(config, name) is not None:
            request[name] = getattr(config, name)
    if schema is not None:
        request["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "judgement", "schema": schema, "strict": True},
        }
    return request


def _retry_after(error: Any) -> float | None:
    response = getattr(error, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Fallback:
    """Shared by a run's calls: once a server rejects `response_format`, stop sending it."""

    def __init__(self) -> None:
        self.active = False


def call(
    client: Any,
    request: dict[str, Any],
    *,
    item_id: str | None,
    policy: RetryPolicy,
    stop: threading.Event | None = None,
    fallback: Fallback | None = None,
) -> CallResult:
    """Send one request under the retry policy; never raises for a server's answer."""
    # lazy: openai loads only when a judge calls its server
    import openai

    if fallback is not None and fallback.active:
        request = {k: v for k, v in request.items() if k != "response_format"}
    result = CallResult(request=request)
    headers = {ITEM_HEADER: item_id} if item_id else {}
    transient = 0
    while True:
        if stop is not None and stop.is_set():
            result.error = result.error or "stopped before an answer"
            return result
        result.attempts += 1
        started = time.perf_counter()
        wait: float | None = None
        try:
            response = client.chat.completions.create(**result.request, extra_headers=headers)
        except openai.BadRequestError as error:
            if "response_format" in result.request:
                result.log.append("400 to response_format: asking for JSON in the prompt")
                result.request = {k: v for k, v in result.request.items() if k != "response_format"}
                if fallback is not None:
                    fallback.active = True
                continue
            result.status, result.error = 400, _message(error)
            return result
        except openai.RateLimitError as error:
            result.status, result.error = 429, _message(error)
            wait = _retry_after(error)
            wait = policy.backoff_s * 2**transient if wait is None else wait
        except openai.APIStatusError as error:
            result.status, result.error = error.status_code, _message(error)
            if error.status_code < 500:
                return result
        except openai.APITimeoutError:
            result.status, result.error = None, f"no answer within {client.timeout} s"
        except openai.APIConnectionError as error:
            result.status, result.error = None, f"connection failed: {error.__class__.__name__}"
        else:
            result.latency_s = time.perf_counter() - started
            _take(result, response)
            return result
        transient += 1
        result.log.append(f"attempt {result.attempts}: {result.error}")
        if transient >= policy.max_attempts:
            result.error = f"{result.error} (after {result.attempts} attempts)"
            return result
        delay = min(
            policy.max_wait_s, policy.backoff_s * 2 ** (transient - 1) if wait is None else wait
        )
        if stop is not None:
            if stop.wait(delay):
                return result
        else:
            time.sleep(delay)


def _message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"{getattr(error, 'status_code', '')} {body['message']}".strip()
    return f"{getattr(error, 'status_code', '')} {error.__class__.__name__}".strip()


def _take(result: CallResult, response: Any) -> None:
    result.ok = True
    result.status = 200
    result.error = None
    choice = response.choices[0] if response.choices else None
    result.text = choice.message.content if choice is not None else None
    result.reported_model = response.model or result.request.get("model")
    result.fingerprint = getattr(response, "system_fingerprint", None) or None
    usage = getattr(response, "usage", None)
    if usage is not None:
        result.tokens_in = usage.prompt_tokens or 0
        result.tokens_out = usage.completion_tokens or 0


def response_json(result: CallResult) -> str:
    """What is stored of an answer (never a header, so never a key)."""
    return json.dumps(
        {
            "text": result.text,
            "model": result.reported_model,
            "system_fingerprint": result.fingerprint,
            "usage": {"prompt_tokens": result.tokens_in, "completion_tokens": result.tokens_out},
            "status": result.status,
            "log": result.log,
        },
        ensure_ascii=False,
    )
