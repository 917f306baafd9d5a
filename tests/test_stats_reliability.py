"""Building reliability data from long records: codes, value domain, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from annotator.base.errors import AnnotatorError
from annotator.stats.reliability import MISSING, ReliabilityData, ReliabilityError


def test_records_become_an_items_by_raters_code_matrix_in_first_seen_order():
    data = ReliabilityData.from_records(
        [("q2", "bob", 5), ("q1", "ann", 4), ("q1", "bob", 5), ("q2", "cat", 1)],
        value_domain=[1, 2, 3, 4, 5],
    )
    assert data.items == ("q2", "q1")
    assert data.raters == ("bob", "ann", "cat")
    assert data.values == (1, 2, 3, 4, 5)
    assert data.codes.tolist() == [[4, MISSING, 0], [4, 3, MISSING]]
    assert data.n_labels == 4
    assert data.ratings_per_item.tolist() == [2, 2]
    assert data.value_counts.tolist() == [[1, 0, 0, 0, 1], [0, 0, 0, 1, 1]]


def test_without_a_domain_values_are_sorted_and_unused_points_absent():
    data = ReliabilityData.from_records([(1, "a", 3), (1, "b", 1), (2, "a", 10)])
    assert data.values == (1, 3, 10)
    text = ReliabilityData.from_records([(1, "a", "yes"), (1, "b", "no")])
    assert text.values == ("no", "yes")


def test_a_value_off_the_scale_is_an_error_naming_it():
    with pytest.raises(ReliabilityError, match=r"value 7 \(item 'q1', rater 'ann'\)"):
        ReliabilityData.from_records([("q1", "ann", 7)], value_domain=[1, 2, 3])
    assert issubclass(ReliabilityError, AnnotatorError)


def test_a_rater_labeling_an_item_twice_is_refused():
    with pytest.raises(ReliabilityError, match="rater 'ann' rated item 'q1' more than once"):
        ReliabilityData.from_records([("q1", "ann", 1), ("q2", "ann", 1), ("q1", "ann", 2)])


def test_none_and_nan_values_are_no_rating():
    data = ReliabilityData.from_records(
        [(1, "a", 1.0), (1, "b", None), (2, "a", float("nan")), (2, "b", 2.0)]
    )
    assert data.n_labels == 2
    assert data.values == (1.0, 2.0)


def test_ids_may_be_tuples_and_records_may_be_a_dataframe():
    data = ReliabilityData.from_records([(("doc", 1), "a", "x"), (("doc", 1), "b", "y")])
    assert data.items == (("doc", 1),)
    frame = pd.DataFrame({"item": [1, 1, 2], "rater": ["a", "b", "a"], "value": [2, 3, 2]})
    from_frame = ReliabilityData.from_records(frame)
    assert from_frame.codes.tolist() == [[0, 1], [0, MISSING]]


def test_a_malformed_record_is_named():
    with pytest.raises(ReliabilityError, match="must be \\(item, rater, value\\)"):
        ReliabilityData.from_records([(1, "a", 1), (2, "b")])


def test_from_matrix_keeps_empty_rows_and_both_layouts_agree():
    raters_x_items = [[1, 2, None], [1, None, None]]
    data = ReliabilityData.from_matrix(raters_x_items)
    assert data.codes.tolist() == [[0, 0], [1, MISSING], [MISSING, MISSING]]
    flipped = ReliabilityData.from_matrix(
        [list(col) for col in zip(*raters_x_items, strict=True)], layout="items x raters"
    )
    np.testing.assert_array_equal(flipped.codes, data.codes)


def test_from_category_counts_spreads_each_items_labels_over_rater_slots():
    data = ReliabilityData.from_category_counts([[0, 2, 1], [3, 0, 0]], values="abc")
    assert data.value_counts.tolist() == [[0, 2, 1], [3, 0, 0]]
    assert data.n_raters == 3


def test_select_items_repeats_items_for_a_resample():
    data = ReliabilityData.from_records([(1, "a", "x"), (2, "a", "y")])
    resample = data.select_items([1, 1, 0])
    assert resample.items == (2, 2, 1)
    assert resample.codes[:, 0].tolist() == [1, 1, 0]


def test_codes_cannot_be_changed_behind_the_caches():
    data = ReliabilityData.from_records([(1, "a", "x")])
    with pytest.raises(ValueError):
        data.codes[0, 0] = 5


def test_to_records_round_trips():
    records = [(1, "a", "x"), (1, "b", "y"), (2, "b", "x")]
    assert ReliabilityData.from_records(records).to_records() == records


def test_numeric_values_refuse_text():
    with pytest.raises(ReliabilityError, match="'low' is not a number"):
        ReliabilityData.from_records([(1, "a", "low")]).numeric_values()
