"""Reference scores: how a linear projection does, and how well latent codes separate digits."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier


def pca_reconstruction_mse(X_train, X_test, n_components=2):
    """Mean squared error per pixel of a PCA fitted on ``X_train`` and applied to ``X_test``.

    The linear baseline for a ``n_components``-dimensional bottleneck: a linear autoencoder
    trained on MSE spans the same subspace, so a useful nonlinear one should beat it.
    """
    pca = PCA(n_components=n_components).fit(X_train)
    X_hat = pca.inverse_transform(pca.transform(X_test))
    return float(np.mean((X_hat - X_test) ** 2))


def knn_latent_accuracy(Z_train, y_train, Z_test, y_test, n_neighbors=5):
    """Held-out accuracy of a k-nearest-neighbour classifier on latent codes.

    Labels are never used to train the autoencoders; this only measures how well digits of the
    same class land near each other in the latent space.
    """
    classifier = KNeighborsClassifier(n_neighbors=n_neighbors).fit(Z_train, y_train)
    return float(classifier.score(Z_test, y_test))
