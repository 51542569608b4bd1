import pytest

from vae_core import split_digits


@pytest.fixture(scope="session")
def digits():
    """The default seeded train / held-out split of the 8x8 digits."""
    return split_digits()
