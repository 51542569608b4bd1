"""The glossary: each term explained once, and the same words wherever a term is explained."""

import pytest

from latent_lab.drawing import glossary

REQUIRED = ("nats", "ELBO", "IWAE", "exact likelihood", "BCE floor", "Fréchet distance", "active units",
            "collapse")


def test_every_term_the_pages_measure_in_is_explained_once():
    text = glossary.markdown()
    for term in REQUIRED:
        assert text.count(f"**{term}**:") == 1, term
        assert glossary.help_text(term) in text  # a tooltip says what the glossary says
        assert len(glossary.help_text(term)) > 80  # a plain explanation, not a label


def test_an_unknown_term_names_the_known_ones():
    with pytest.raises(ValueError, match="ELBO"):
        glossary.help_text("FID")
