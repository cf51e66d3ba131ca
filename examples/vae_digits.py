"""A variational autoencoder on the digits data, with distributions.Normal and kl_divergence.

scikit-learn ships the UCI digits set (1,797 8x8 greyscale images, no download). The encoder maps an image
to the mean and log-variance of a Gaussian posterior q(z | x) over a 2-dimensional latent z; a sample drawn
with Normal.rsample (reparameterised, so the gradient flows through it) is decoded to Bernoulli logits for
the 64 pixels. The loss is the negative evidence lower bound,

    -ELBO = E_q[-log p(x | z)] + KL(q(z | x) || N(0, I)),

with the reconstruction term from a binary cross-entropy and the KL term from kl_divergence between two
Normals. Adam on fixed mini-batches; the loss is printed per epoch, then the KL term checked against its
closed form and the log-likelihood of a few test images under the model.

    python examples/vae_digits.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/vae_digits.py   # the same code on PyTorch

Needs scikit-learn.
"""
import os
from typing import TYPE_CHECKING

from sklearn.datasets import load_digits

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.distributions import Normal, kl_divergence
else:
    import fastgrad as torch
    import fastgrad.nn.functional as F
    from fastgrad import nn
    from fastgrad.distributions import Normal, kl_divergence

torch.manual_seed(0)
digits = load_digits()
x_all = digits.data / 16.0
x_train = torch.from_numpy(x_all[:1500])
x_test = torch.from_numpy(x_all[1500:])
LATENT, HIDDEN, BATCH, EPOCHS = 2, 64, 100, 15


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(64, HIDDEN, dtype=torch.float64)
        self.enc_mu = nn.Linear(HIDDEN, LATENT, dtype=torch.float64)
        self.enc_logvar = nn.Linear(HIDDEN, LATENT, dtype=torch.float64)
        self.dec = nn.Linear(LATENT, HIDDEN, dtype=torch.float64)
        self.dec_out = nn.Linear(HIDDEN, 64, dtype=torch.float64)

    def posterior(self, x):
        h = torch.tanh(self.enc(x))
        return Normal(self.enc_mu(h), torch.exp(0.5 * self.enc_logvar(h)))

    def decode(self, z):
        return self.dec_out(torch.tanh(self.dec(z)))


def neg_elbo(model, x):
    """The batch's mean -ELBO, and its two terms."""
    q = model.posterior(x)
    prior = Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale))
    z = q.rsample()
    logits = model.decode(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1).mean()
    kl = kl_divergence(q, prior).sum(-1).mean()
    return recon + kl, recon, kl


model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
n_batches = x_train.shape[0] // BATCH
for epoch in range(EPOCHS):
    total = 0.0
    for b in range(n_batches):
        xb = x_train[b * BATCH:(b + 1) * BATCH]
        optimizer.zero_grad()
        loss, recon, kl = neg_elbo(model, xb)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch + 1:2d}: -ELBO = {total / n_batches:.4f}  (last batch: recon {recon.item():.4f}, "
          f"KL {kl.item():.4f})")

with torch.no_grad():
    q = model.posterior(x_test)
    kl = kl_divergence(q, Normal(0.0, 1.0)).sum(-1)
    closed = (0.5 * (q.scale ** 2 + q.loc ** 2 - 1) - torch.log(q.scale)).sum(-1)
    print(f"test KL: {kl.mean().item():.6f} (kl_divergence), {closed.mean().item():.6f} (closed form)")
    loss, recon, _ = neg_elbo(model, x_test)
    print(f"test -ELBO: {loss.item():.4f}, reconstruction: {recon.item():.4f}")
    z = q.mean[:3]
    lp = q.log_prob(q.mean).sum(-1)[:3]
    for i in range(3):
        print(f"test image {i}: z = ({z[i, 0].item():+.4f}, {z[i, 1].item():+.4f}), "
              f"log q(z | x) at the mean = {lp[i].item():.4f}")
