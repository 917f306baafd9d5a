"""LLM judges: a label source of kind `llm_judge` that asks an OpenAI-compatible server
(Ollama, llama.cpp's llama-server, vLLM, LM Studio, or a hosted API) to label items
against the rubric, with derived versions, exact stored requests, retries, consensus
of several samples, costs from the reported usage, and resumable runs.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "Alignment": "align",
    "Thresholds": "align",
    "format_alignment": "align",
    "judge_alignment": "align",
    "Canary": "canary",
    "CanaryError": "canary",
    "add_canaries": "canary",
    "list_canaries": "canary",
    "remove_canaries": "canary",
    "CanaryRunResult": "canary_run",
    "run_canaries": "canary_run",
    "RetryPolicy": "client",
    "Judge": "config",
    "JudgeConfig": "config",
    "JudgeError": "config",
    "JudgeVersion": "config",
    "add_judge": "config",
    "get_judge": "config",
    "judge_versions": "config",
    "list_judges": "config",
    "CriterionComparison": "compare",
    "VersionComparison": "compare",
    "compare_judge_versions": "compare",
    "judge_subjects": "label_versions",
    "label_versions": "label_versions",
    "version_starts": "label_versions",
    "judge_summaries": "summary",
    "verdict_text": "summary",
    "DEFAULT_TEMPLATE": "prompt",
    "TemplateError": "prompt",
    "answer_schema": "prompt",
    "build_messages": "prompt",
    "JudgeFailure": "records",
    "JudgeTestResult": "records",
    "judge_failures": "records",
    "label_calls": "records",
    "replay_call": "records",
    "test_judge": "records",
    "RunPlan": "run",
    "RunProgress": "run",
    "RunResult": "run",
    "plan_run": "run",
    "RoutingPlan": "routing",
    "route_by_judge": "routing",
    "routing_log": "routing",
    "flipped_criteria": "swap",
    "map_back": "swap",
    "side_map": "swap",
    "swapped_item": "swap",
    "run_judge": "canary_run",  # run.run_judge, and canary=True
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)
