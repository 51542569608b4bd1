"""Which models the exploring pages show, and how they wait for the ones being trained."""

import itertools
import time
from types import SimpleNamespace

from latent_lab.models import cache, catalog, explored, jobs
from latent_lab.models.limits import LIMITS
from tests.pages.app_helpers import PAGES, component_data, open_page


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


def test_five_link_driven_trainings_run_in_the_trainer_two_at_a_time_within_the_bound():
    # Five visitors open the latent page on links naming five VAEs nobody has trained yet.
    links = [f"vae_fast_2_256_1.0_0_40_16_adam_0.01_{7100 + i}" for i in range(5)]
    visitors = [open_page(PAGES[1], params={"explore_models": "trained", "explore_vae": link})
                for link in links]
    # Each page answered at once, showing the training it waits for instead of training it.
    for at in visitors:
        assert not at.exception
        assert not [c for c in at.get("bidi_component") if c.proto.id.endswith("-latent_explorer")]
        assert any("being trained first" in info.value for info in at.info)
    watches = [at.session_state["explore_jobs"][("digits", "vae")] for at in visitors]
    deadline = time.monotonic() + 300
    while any(watch.active for watch in watches):
        assert time.monotonic() < deadline, "the link's trainings did not end"
        for watch in watches:
            watch.seen()  # as each page's progress view does
        time.sleep(0.05)
    runs = [watch.job for watch in watches]
    assert all(run.status == jobs.DONE for run in runs)
    assert all(a is not b for a, b in itertools.combinations(runs, 2))
    assert all(run.cpu_seconds <= LIMITS.max_training_seconds for run in runs)
    # At most two trained at once, and two did: the others waited their turn.
    events = sorted([(run.started, 1) for run in runs] + [(run.ended, -1) for run in runs])
    at_once = max(sum(step for _, step in events[: i + 1]) for i in range(len(events)))
    assert at_once == LIMITS.max_trainings == 2
    for at in visitors:
        at.run()  # the page's progress view reruns it when the training ends
        maps = [m["title"] for m in component_data(at, "latent_explorer")["maps"]]
        assert maps == ["AE latent space", "Your VAE latent space"]
        assert cache.is_cached(catalog.config_of(at.session_state["user_models_2d"]["vae"]["model"]))
