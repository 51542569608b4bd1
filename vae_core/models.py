"""The autoencoder and the variational autoencoder, in the scikit-learn estimator style.

``__init__`` only stores hyperparameters; ``fit`` validates them, builds the network from
``random_state``, trains it and returns ``self``. Learned state ends in ``_``. Every public
method that computes starts with :func:`~vae_core.threads.use_engine_threads`, so training and
inference run BLAS on the same number of threads.
"""

import inspect
import itertools

import numpy as np

from .data import check_images, check_latent
from .layers import OUTPUTS, Dense, ReLU, backward_all, forward_all, infer_all, make_activation, pack_parameters
from .losses import bce_with_logits, gaussian_kl, mse
from .optimizers import OPTIMIZERS
from .threads import use_engine_threads
from .training import TrainingDivergedError, TrainingRun
from .validation import check_choice, check_float, check_int

# A fixed seed for the noise of held-out evaluation, so the reported VAE loss of a model is a
# deterministic number rather than a fresh Monte-Carlo draw on every call.
_EVALUATION_SEED = 20131220

# Precisions of weights and arithmetic: float64 for gradient checks and the blog recipe, float32
# for speed.
DTYPES = ("float32", "float64")


class _BaseAutoencoder:
    _output_choices = ("sigmoid", "clip")

    def __init__(self, input_dim=64, hidden_sizes=(32,), latent_dim=2, output="sigmoid", epochs=200,
                 batch_size=32, optimizer="adam", learning_rate=0.003, momentum=0.9, clip_value=None,
                 random_state=0, n_snapshots=30, dtype="float64"):
        self.input_dim = input_dim
        self.hidden_sizes = hidden_sizes
        self.latent_dim = latent_dim
        self.output = output
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.clip_value = clip_value
        self.random_state = random_state
        self.n_snapshots = n_snapshots
        self.dtype = dtype

    # ----------------------------------------------------------------- hyperparameters
    def get_params(self):
        """Return the constructor arguments as a dict of plain Python values."""
        params = {name: getattr(self, name) for name in self._param_names()}
        params["hidden_sizes"] = tuple(int(h) for h in params["hidden_sizes"])
        return params

    def set_params(self, **params):
        """Set constructor arguments by name and return ``self``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Unknown parameter {name!r} for {type(self).__name__}; valid: {valid}.")
            setattr(self, name, value)
        return self

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def validate_params(self):
        """Check every hyperparameter; raise ``ValueError`` saying what was expected."""
        check_int("input_dim", self.input_dim, 1)
        check_int("latent_dim", self.latent_dim, 1)
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_int("n_snapshots", self.n_snapshots, 1)
        try:
            hidden = tuple(self.hidden_sizes)
        except TypeError:
            raise ValueError(f"hidden_sizes must be a sequence of positive ints, got {self.hidden_sizes!r}.") from None
        for size in hidden:
            check_int("every entry of hidden_sizes", size, 1)
        check_choice("output", self.output, self._output_choices)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True)
        check_float("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        if self.clip_value is not None:
            check_float("clip_value", self.clip_value, low=0.0, low_open=True)
        if self.random_state is not None:
            check_int("random_state", self.random_state, 0)
        check_choice("dtype", self.dtype, DTYPES)

    # ----------------------------------------------------------------- training
    def fit(self, X, X_val=None, callback=None):
        """Train on images ``X`` and return ``self``.

        Parameters
        ----------
        X : array-like of shape (n_samples, input_dim)
            Training images with pixels in [0, 1].
        X_val : array-like of shape (n_val, input_dim), optional
            Held-out images, scored after every epoch (never trained on).
        callback : callable, optional
            Called after every epoch with a dict: ``epoch``, ``epochs``, ``train_loss``,
            ``val_loss`` (or None), ``beta``, ``history`` (the history so far) and ``model``.
            Returning ``False`` stops training after that epoch: the model keeps the epochs
            trained, and ``epochs`` becomes their number (the config that reproduces it).

        Raises
        ------
        TrainingDivergedError
            If a loss or a weight becomes non-finite, or the training objective climbs past
            ``DIVERGENCE_FACTOR`` times its best epoch. The model then holds the weights, the
            history and the snapshots of the last sane epoch.
        """
        self.validate_params()
        use_engine_threads()
        X, X_val = self._check_data(X, X_val)
        rng = np.random.default_rng(self.random_state)
        self._build(rng)
        self.n_features_in_ = X.shape[1]
        self._run = TrainingRun(self, X, X_val, rng)
        return self._train(self.epochs, callback)

    def fit_more(self, X, X_val=None, epochs=1, callback=None):
        """Train ``epochs`` more epochs on the same images and return ``self``.

        A model this process trained continues exactly where ``fit`` stopped (same optimizer
        state, same random stream), so ``fit`` with 100 epochs then ``fit_more`` with 50 gives the
        weights of ``fit`` with 150. A model loaded from a file has no optimizer state: it
        continues from its weights with a fresh optimizer, which is not the same as training
        longer from the start. ``epochs`` (the parameter) grows by the epochs trained.
        """
        self._check_fitted()
        check_int("epochs", epochs, 1)
        use_engine_threads()
        X, X_val = self._check_data(X, X_val)
        run = getattr(self, "_run", None)
        if run is None or run.X.shape != X.shape or not np.array_equal(run.X, X):
            # Loaded, or other images: a fresh run from these weights, its stream seeded apart.
            rng = np.random.default_rng([self.random_state or 0, len(self.history_.get("epoch", []))])
            run = TrainingRun(self, X, X_val, rng)
            run.epoch = len(self.history_.get("epoch", []))
            run.history = {key: list(self.history_.get(key, [])) for key in run.history}
            run.snapshot_epochs = [int(e) for e in self.snapshot_epochs_] or [run.epoch]
            run.snapshots = list(self.latent_snapshots_) or run.snapshots
            run.seconds = float(getattr(self, "seconds_", 0.0))
            self._run = run
        return self._train(epochs, callback)

    def _train(self, epochs, callback):
        try:
            result = self._run.run(epochs, callback)
        except TrainingDivergedError as exc:
            self._store_training(exc.result)
            raise
        finally:
            self._forget_inputs()
        self._store_training(result)
        return self

    def _forget_inputs(self):
        # What the layers kept of the last training step for its backward pass: a batch, which is
        # every training image when the batch is the whole set.
        for layer in [*self.encoder_, *self.decoder_, self.output_layer_, *self.layers_.values()]:
            layer.forget()

    def _check_data(self, X, X_val):
        X = self._as_dtype(check_images(X, self.input_dim, "X"))
        if X_val is not None:
            X_val = self._as_dtype(check_images(X_val, self.input_dim, "X_val"))
        return X, X_val

    def _store_training(self, result):
        self.history_ = result.history
        self.snapshot_epochs_ = result.snapshot_epochs
        self.latent_snapshots_ = result.latent_snapshots
        self.seconds_ = result.seconds
        if result.history["epoch"]:
            self.epochs = int(result.history["epoch"][-1])

    @property
    def continues_exactly(self):
        """Whether ``fit_more`` on the images it trained on continues as one longer ``fit`` would.

        True for a model ``fit`` in this process (it keeps its optimizer state and random
        stream); False for a model loaded from a file, which continues with a fresh optimizer.
        """
        return getattr(self, "_run", None) is not None

    def copy(self):
        """An independent copy: weights, history and, for a model trained here, its training state.

        (``copy.deepcopy`` would break the layers' views into the flat parameter buffer.)
        """
        self._check_fitted()
        other = type(self)(**self.get_params())
        other._build(np.random.default_rng(0))
        other.flat_params_[:] = self.flat_params_
        other.n_features_in_ = self.n_features_in_
        other.history_ = {key: list(values) for key, values in self.history_.items()}
        other.snapshot_epochs_ = np.array(self.snapshot_epochs_)
        other.latent_snapshots_ = np.array(self.latent_snapshots_)
        other.seconds_ = self.seconds_
        if getattr(self, "_run", None) is not None:
            other._run = self._run.copy_for(other)
        return other

    def _build(self, rng):
        sizes = [int(h) for h in self.hidden_sizes]
        widths = [self.input_dim, *sizes]
        self.encoder_ = []
        named = {}
        for i in range(len(sizes)):
            dense = Dense(widths[i], widths[i + 1], rng, input_grad=i > 0)
            named[f"enc{i + 1}"] = dense
            self.encoder_ += [dense, ReLU()]
        self._build_latent_heads(widths[-1], named, rng)
        dec_widths = [self.latent_dim, *reversed(sizes)]
        self.decoder_ = []
        for i in range(len(sizes)):
            dense = Dense(dec_widths[i], dec_widths[i + 1], rng)
            named[f"dec{i + 1}"] = dense
            self.decoder_ += [dense, ReLU()]
        out = Dense(dec_widths[-1], self.input_dim, rng)
        named[f"dec{len(sizes) + 1}"] = out
        self.decoder_.append(out)
        self.output_layer_ = make_activation(self.output)
        self.layers_ = named
        self.flat_params_, self.flat_grads_, _ = pack_parameters(named, self.dtype)

    # ----------------------------------------------------------------- inference
    def decode(self, Z):
        """Decode latent codes into images.

        Parameters
        ----------
        Z : array-like of shape (n_samples, latent_dim)

        Returns
        -------
        ndarray of shape (n_samples, input_dim)
            Pixel values in [0, 1].
        """
        self._check_fitted()
        use_engine_threads()
        Z = self._as_dtype(check_latent(Z, self.latent_dim))
        return self._pixels(infer_all(self.decoder_, Z))

    def reconstruct(self, X):
        """``decode(encode(X))``: shape (n_samples, input_dim)."""
        return self.decode(self.encode(X))

    def sample(self, n_samples, temperature=1.0, random_state=None):
        """Decode ``n_samples`` codes drawn from N(0, temperature^2 I).

        Returns
        -------
        images : ndarray of shape (n_samples, input_dim)
        Z : ndarray of shape (n_samples, latent_dim)
        """
        self._check_fitted()
        check_int("n_samples", n_samples, 1)
        check_float("temperature", temperature, low=0.0)
        Z = temperature * np.random.default_rng(random_state).standard_normal((n_samples, self.latent_dim))
        return self.decode(Z), Z

    def parameters(self):
        """Return ``{"W_enc1": array, "b_enc1": array, ...}`` (views of the live weights)."""
        self._check_fitted()
        return {f"{key}_{layer}": value for layer, dense in self.layers_.items() for key, value in dense.params.items()}

    def _as_dtype(self, array):
        return array.astype(self.dtype, copy=False)

    def _inputs(self, X):
        """Images ``X`` checked, in the model's dtype, on the engine's threads: where inference on images starts."""
        self._check_fitted()
        use_engine_threads()
        return self._as_dtype(check_images(X, self.input_dim))

    def _pixels(self, logits):
        return OUTPUTS[self.output](logits)

    def _check_fitted(self):
        if not hasattr(self, "flat_params_"):
            raise RuntimeError(f"This {type(self).__name__} is not fitted yet: call fit(X) or load_model(path) first.")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class Autoencoder(_BaseAutoencoder):
    """Deterministic autoencoder ``input -> hidden... -> latent -> hidden... -> input``.

    The default is the blog's 64 -> 32 -> 2 -> 32 -> 64 network with ReLU hidden layers and a
    linear latent layer, trained on the mean squared error per pixel.

    Parameters
    ----------
    input_dim : int
        Pixels per image.
    hidden_sizes : tuple of int
        Widths of the encoder's hidden layers; the decoder mirrors them. ``()`` gives a linear
        autoencoder, which spans the same subspace as PCA.
    latent_dim : int
        Size of the bottleneck.
    output : {"sigmoid", "clip"}
        Output nonlinearity; ``"clip"`` is the blog's ``clip(x, 0, 1)``.
    epochs, batch_size, optimizer, learning_rate, momentum, clip_value
        Training settings; ``batch_size=1`` with ``optimizer="sgd"`` is the blog's per-sample loop.
        ``momentum`` only applies to SGD. ``clip_value`` clips each gradient entry.
    random_state : int or None
        Seed of the one ``np.random.Generator`` used for initialisation and shuffling.
    n_snapshots : int
        How many latent snapshots of the held-out set to record during training.
    dtype : {"float64", "float32"}
        Precision of weights and arithmetic. float32 halves memory traffic and doubles SIMD
        width, which is most of the fast recipe's speed; gradient checks use float64.

    Attributes
    ----------
    history_ : dict of lists
        Per-epoch ``train_loss``, ``val_loss`` (mean squared error per pixel), ``seconds``...
    snapshot_epochs_ : ndarray of shape (n_snapshots,)
    latent_snapshots_ : ndarray of shape (n_snapshots, n_points, latent_dim)
    n_features_in_ : int
    seconds_ : float
        Wall time of ``fit``.
    """

    kind = "ae"

    def beta_at(self, epoch):
        """The KL weight in ``epoch``: always 0, since an autoencoder has no KL term."""
        return 0.0

    def _build_latent_heads(self, width, named, rng):
        self.latent_layer_ = Dense(width, self.latent_dim, rng, input_grad=bool(self.hidden_sizes))
        named[f"enc{len(self.hidden_sizes) + 1}"] = self.latent_layer_

    def encode(self, X):
        """Map images to latent codes: (n_samples, input_dim) -> (n_samples, latent_dim)."""
        X = self._inputs(X)
        return infer_all([*self.encoder_, self.latent_layer_], X)

    def _train_step(self, x, beta, rng):
        z = self.latent_layer_.forward(forward_all(self.encoder_, x))  # (batch, latent)
        x_hat = self.output_layer_.forward(forward_all(self.decoder_, z))
        recon, d_x_hat = mse(x_hat, x)
        d_z = backward_all(self.decoder_, self.output_layer_.backward(d_x_hat))
        backward_all(self.encoder_, self.latent_layer_.backward(d_z))
        return recon, 0.0, np.zeros(self.latent_dim)

    def evaluate(self, X):
        """Score images: ``loss`` = ``recon`` = mean squared error per pixel; ``kl`` is 0.

        Returns
        -------
        dict with ``loss``, ``recon``, ``kl`` (floats) and ``kl_per_dim`` (list of zeros).
        """
        return self._score(self._inputs(X))

    def _score(self, X):
        z = infer_all([*self.encoder_, self.latent_layer_], X)
        recon, _ = mse(self._pixels(infer_all(self.decoder_, z)), X)
        return {"loss": recon, "recon": recon, "kl": 0.0, "kl_per_dim": [0.0] * self.latent_dim}


class VAE(_BaseAutoencoder):
    """Variational autoencoder with a Gaussian encoder and a Bernoulli (sigmoid) decoder.

    The encoder's hidden layers feed two linear heads, ``mu`` and ``log_var``; training samples
    ``z = mu + exp(0.5 * log_var) * eps`` with ``eps ~ N(0, I)`` (the reparameterization trick)
    and minimises ``BCE(x, decode(z)) + beta_t * KL(q(z|x) || N(0, I))`` per image.

    Parameters
    ----------
    beta : float >= 0
        Weight of the KL term (beta-VAE). ``beta=0`` turns off the regulariser.
    kl_warmup : int >= 0
        Epochs over which the KL weight rises linearly from 0 to ``beta``; 0 means no warm-up.
    Other parameters
        As in :class:`Autoencoder`; ``output`` must be ``"sigmoid"``.

    Attributes
    ----------
    history_ : dict of lists
        Per-epoch ``train_loss`` / ``val_loss`` (BCE + KL in nats per image, independent of beta),
        ``*_recon`` (BCE), ``*_kl``, ``*_kl_per_dim`` and the effective ``beta``.

    Notes
    -----
    The reported loss is the negative ELBO estimated with one noise draw, the blog's
    ``bce + kl``; ``beta`` only changes what is optimised, not what is reported.
    """

    kind = "vae"
    _output_choices = ("sigmoid",)

    def __init__(self, input_dim=64, hidden_sizes=(32,), latent_dim=2, output="sigmoid", beta=1.0, kl_warmup=0,
                 epochs=300, batch_size=32, optimizer="adam", learning_rate=0.003, momentum=0.9,
                 clip_value=None, random_state=0, n_snapshots=30, dtype="float64"):
        super().__init__(input_dim=input_dim, hidden_sizes=hidden_sizes, latent_dim=latent_dim, output=output,
                         epochs=epochs, batch_size=batch_size, optimizer=optimizer, learning_rate=learning_rate,
                         momentum=momentum, clip_value=clip_value, random_state=random_state,
                         n_snapshots=n_snapshots, dtype=dtype)
        self.beta = beta
        self.kl_warmup = kl_warmup

    def validate_params(self):
        super().validate_params()
        check_float("beta", self.beta, low=0.0)
        check_int("kl_warmup", self.kl_warmup, 0)

    def beta_at(self, epoch):
        """The KL weight used in 1-based ``epoch``: a linear ramp from 0 over ``kl_warmup`` epochs."""
        if self.kl_warmup == 0:
            return float(self.beta)
        return float(self.beta) * min(1.0, (epoch - 1) / self.kl_warmup)

    def _build_latent_heads(self, width, named, rng):
        self.mu_head_ = Dense(width, self.latent_dim, rng, input_grad=bool(self.hidden_sizes))
        self.log_var_head_ = Dense(width, self.latent_dim, rng, input_grad=bool(self.hidden_sizes))
        named["mu"], named["logvar"] = self.mu_head_, self.log_var_head_

    def encode_distribution(self, X):
        """Return the posterior ``(mu, log_var)``, each of shape (n_samples, latent_dim)."""
        X = self._inputs(X)
        h = infer_all(self.encoder_, X)
        return infer_all([self.mu_head_], h), infer_all([self.log_var_head_], h)

    def encode(self, X):
        """Map images to the posterior means: (n_samples, input_dim) -> (n_samples, latent_dim)."""
        return self.encode_distribution(X)[0]

    def _forward_losses(self, x, eps, run=forward_all):
        # ``run``: forward_all in training (each layer keeps its input for backward), infer_all to score.
        h = run(self.encoder_, x)
        mu, log_var = run([self.mu_head_], h), run([self.log_var_head_], h)  # (batch, latent)
        std = np.exp(0.5 * log_var)
        z = mu + std * eps
        logits = run(self.decoder_, z)  # (batch, input_dim)
        recon, d_logits = bce_with_logits(logits, x)
        kl, d_mu_kl, d_log_var_kl, kl_per_dim = gaussian_kl(mu, log_var)
        return recon, kl, kl_per_dim, (d_logits, d_mu_kl, d_log_var_kl, std)

    def _train_step(self, x, beta, rng):
        eps = rng.standard_normal((x.shape[0], self.latent_dim), dtype=self.dtype)  # (batch, latent)
        recon, kl, kl_per_dim, (d_logits, d_mu_kl, d_log_var_kl, std) = self._forward_losses(x, eps)
        d_z = backward_all(self.decoder_, d_logits)
        # z = mu + std * eps: dz/dmu = 1 ; dz/dlog_var = eps * std / 2
        d_mu = d_z + beta * d_mu_kl
        d_log_var = d_z * eps * 0.5 * std + beta * d_log_var_kl
        d_h_mu, d_h_log_var = self.mu_head_.backward(d_mu), self.log_var_head_.backward(d_log_var)
        if self.encoder_:
            backward_all(self.encoder_, d_h_mu + d_h_log_var)
        return recon, kl, kl_per_dim

    def evaluate(self, X):
        """Score images with one fixed-seed noise draw per image.

        Returns
        -------
        dict with ``loss`` (BCE + KL, nats per image), ``recon`` (BCE), ``kl`` and ``kl_per_dim``.
        """
        return self._score(self._inputs(X))

    def _score(self, X):
        eps = np.random.default_rng(_EVALUATION_SEED).standard_normal((X.shape[0], self.latent_dim), dtype=self.dtype)
        recon, kl, kl_per_dim, _ = self._forward_losses(X, eps, run=infer_all)
        return {"loss": recon + kl, "recon": recon, "kl": kl, "kl_per_dim": [float(v) for v in kl_per_dim]}


MODELS = {"ae": Autoencoder, "vae": VAE}

# Dense layers from the last hidden layer to the latent code: the AE's code; the VAE's mu and log_var.
_LATENT_HEADS = {"ae": 1, "vae": 2}


def parameter_count(kind, input_dim, hidden_sizes, latent_dim):
    """Number of weights and biases of a ``kind`` model, computed without building it.

    Parameters
    ----------
    kind : {"ae", "vae"}
    input_dim, latent_dim : int
    hidden_sizes : sequence of int

    Returns
    -------
    int
        ``sum((n_in + 1) * n_out)`` over the encoder's Dense layers, the latent head(s) (one for
        the autoencoder, ``mu`` and ``log_var`` for the VAE) and the mirrored decoder.
    """
    def dense(widths):
        return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))

    encoder = [input_dim, *hidden_sizes]
    decoder = [latent_dim, *reversed(hidden_sizes), input_dim]
    return dense(encoder) + _LATENT_HEADS[kind] * (encoder[-1] + 1) * latent_dim + dense(decoder)
