"""The page skeleton: the glossary on every page, and indices beyond the data on view."""

import pytest

from tests.pages.app_helpers import PAGES, open_page

INTERP = "pages/4_Interpolation.py"


def test_an_index_beyond_the_data_falls_back_with_a_notice():
    at = open_page(INTERP, {"interp_mode": "by index", "interp_index_a": "9999", "interp_index_b": "359"})
    notices = [info.value for info in at.info]
    assert any("#9999 is beyond the 360 held-out images" in text for text in notices), notices
    assert at.number_input(key="interp_index_a").value == 0  # the setting's default
    assert at.number_input(key="interp_index_b").value == 359  # within the data: kept
    assert "interp_index_a" not in at.query_params  # the link now says what the page shows


def test_an_index_within_the_data_is_kept_without_a_notice():
    at = open_page(INTERP, {"interp_mode": "by index", "interp_index_a": "12"})
    assert not [info for info in at.info if "beyond" in info.value]
    assert at.number_input(key="interp_index_a").value == 12


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_page_reaches_the_glossary_from_its_sidebar(page):
    at = open_page(page)
    glossary = [e for e in at.sidebar.expander if e.label.startswith("Glossary")]
    assert len(glossary) == 1
    assert "**ELBO**:" in glossary[0].markdown[0].value
