"""The engine's one BLAS thread policy reaches every BLAS library, even one loaded after it first ran."""

import json
import subprocess
import sys
from pathlib import Path

from vae_core.threads import BLAS_THREADS

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process: the engine sets its threads before SciPy (which brings its own OpenBLAS, as
# scikit-learn does for the digit judge) is imported; then someone widens every pool.
LATE_LIBRARY = """
import json, sys
from threadpoolctl import ThreadpoolController, threadpool_limits
from vae_core.threads import use_engine_threads
use_engine_threads()
assert "scipy" not in sys.modules
import scipy.linalg
with threadpool_limits(limits=2, user_api="blas"):
    use_engine_threads()
    print(json.dumps([info["num_threads"] for info in ThreadpoolController().select(user_api="blas").info()]))
"""


def test_a_blas_library_loaded_later_gets_the_engine_threads_too():
    out = subprocess.run([sys.executable, "-c", LATE_LIBRARY], cwd=ROOT, capture_output=True, text=True, check=True)
    threads = json.loads(out.stdout)
    assert len(threads) >= 2 and set(threads) == {BLAS_THREADS}  # NumPy's OpenBLAS and SciPy's
