"""The dashboard's pure helpers that pick models, checked without Streamlit."""

from types import SimpleNamespace

from latent_lab.models import explored


def _entry(latent_dim, source):
    return {"model": SimpleNamespace(latent_dim=latent_dim), "source": source, "token": source}


def test_choose_explored_prefers_the_latest_2d_model_and_explains_fallbacks():
    vae_2d, ae_4d = _entry(2, "run A"), _entry(4, "run B")
    chosen, notes = explored.choose_explored({"vae": vae_2d, "ae": ae_4d}, {"vae": vae_2d})
    assert chosen == {"ae": None, "vae": vae_2d}
    assert notes[0].startswith("Your latest autoencoder has a 4-D latent space")
    assert "shipped default autoencoder" in notes[0]
    assert notes[1] == "Your VAE: run A."


def test_choose_explored_falls_back_to_an_earlier_2d_model_or_the_default():
    old_2d, new_3d = _entry(2, "run A"), _entry(3, "run B")
    chosen, notes = explored.choose_explored({"vae": new_3d}, {"vae": old_2d})
    assert chosen == {"ae": None, "vae": old_2d}
    assert "No autoencoder trained or loaded" in notes[0]
    assert "3-D latent space" in notes[1] and "most recent 2-D VAE (run A)" in notes[1]
