"""Rubrics: the model, YAML files, text, diffs, and the published versions in a project.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "diff_rubrics": "diff",
    "APPLIES_TO": "model",
    "Criterion": "model",
    "CriterionProblem": "model",
    "KINDS": "model",
    "Option": "model",
    "RubricDraft": "model",
    "RubricVersion": "model",
    "ValueProblem": "model",
    "add_to_section": "text",
    "example_value_from_text": "typed_text",
    "number_from_text": "typed_text",
    "option_value_from_text": "typed_text",
    "value_as_text": "typed_text",
    "criterion_markdown": "text",
    "guideline_section": "text",
    "ACTIVE_RUBRIC_KEY": "versions",
    "PublishResult": "versions",
    "current_version": "versions",
    "find_version": "versions",
    "get_version": "versions",
    "list_versions": "versions",
    "resolve_version": "versions",
    "version_from_row": "versions",
    "write_version": "versions",
    "load_rubric_file": "yaml_file",
    "parse_rubric_text": "yaml_file",
    "rubric_from_dict": "yaml_file",
    "rubric_to_yaml": "yaml_file",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)
