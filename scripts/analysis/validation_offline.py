"""Recomputes `smda validate`'s linear datamodeling scores from its files, outside smda.

Reads a run directory and a validation folder (retrain/, subsets.json, scores/) with numpy and
scipy only, so its figures are an independent check of smda's, and answers questions the README
reports that the validation itself does not:

  --mix OTHER_RUN      the LDS of a weighted sum of this run's and another run's smda scores
                       (for instance one checkpoint and four), at weights 0, 0.25, ..., 1, and
                       this run's LDS minus the other's with a paired bootstrap interval;
  --datamodel FOLDER   the LDS of a datamodel (ridge regression of each target's change on which
                       pairs a subset holds, fitted on another validation's retrainings, e.g.
                       `smda validate RUN --out FOLDER --subsets 200 --repeats 2 --seed 7
                       --methods random --removal-sizes none --loo-pairs 0`): the additive
                       predictor learnt from retraining alone, scored on the same subsets;
  --additive-share FOLDER
                       how much of each target's change (order noise removed) any sum of per-pair
                       scores can capture at best, from a validation with many subsets and at least
                       two orders (such as the datamodel's): the square root of the share of the
                       variance that the best additive function of the subset explains, which is
                       the highest LDS an additive attribution can reach as a share of the noise
                       ceiling (exactly for Pearson correlations, approximately for ranks);
  --check-additive-share
                       checks that estimator on synthetic outcomes whose share is known;
  --one-retraining     one more retraining as a yardstick, as `smda validate` prints it: each order held out in
                       turn against the mean of the others, beside smda's sums against the same;
  --by-kind            where the probes' LDS falls short: per category, and per kind of probe (harmful
                       or not), smda's LDS beside the noise ceiling, and the LDS of the run's per-pair
                       Δy at the base model alone and averaged over its checkpoints (runs with
                       checkpoints keep both);
  --pathways           which of smda's summed ΔX and Δy limits the coefficients: each subset's
                       policy refitted (base standardisation and λ, as the validation refits) from
                       the sums, or with one of them replaced by what the first retraining order
                       measured, scored per coefficient against the mean of the other orders;
  --dy-sources         smda's scores rebuilt from the run's per-pair files with each pair's Δy (and ΔX)
                       taken from its checkpoints (the run's own; checked against the score file), from
                       the base model alone, or per kind of probe (the base's on harmful probes, the
                       checkpoints' on harmless ones), Δβ refitted per pair: LDS, share of the noise
                       ceiling, predicted size, and the difference from the run's own scores with a
                       paired bootstrap interval;
  --pathway-weights W1,W2,...
                       whether the two pathways are weighed right against each other: each pair's Δβ refitted
                       with its ΔX scaled by each W (1 is the run's own; 0 leaves the ΔY pathway alone), scored
                       as --lambdas scores a λ; and what the ΔY pathway reads, the probes' Δy with each subset's
                       mean over the probes removed (a common shift does not move a policy with an intercept),
                       beside its noise ceiling and one more retraining, and what the ΔX pathway reads, each
                       probe's active feature's change, beside its noise ceiling;
  --lambdas L1,L2,...  the policy refitted at other ridge penalties (a number, or loo-1se for the λ smda's
                       --lambda-criterion loo-1se would choose; standardisation kept): its fit in
                       sample and leave-one-out, and smda's summed per-pair Δβ (each pair's refitted at
                       that λ) scored against the retrained policies refitted at that λ, beside their
                       noise ceiling, with the LDS's difference from the run's λ (paired interval);
  --selections T1,T2,...
                       the policy on fewer features, those firing on at least each share T of the probes
                       (what a stricter --selection-threshold would keep; λ chosen again by loo-1se), scored
                       as --lambdas scores a λ; and the run's per-coefficient LDS and noise ceiling by how
                       often a feature fires;
  --refit-points       smda's per-pair Δβ refitted where a retraining on a subset is half-way (the base's features,
                       behaviour or both moved by half the subset's expected change, from the pairs' own
                       effects), instead of at the base, scored as --lambdas scores a λ;
  --reshape            whether smda's per-pair scores err as a group or in scale, from their own numbers
                       alone: each pair's score shrunk towards the mean of the pairs of its labelled
                       category and kind, or raised to a power of its distance from the median, and the
                       LDS of each; with a `*.truth.jsonl` beside the pairs, how much of each category's
                       unexplained change follows how many pairs of each planted kind a subset holds.

  python3 scripts/analysis/validation_offline.py RUN_DIR [--validation DIR] [--mix RUN2] [--datamodel DIR]
      [--additive-share DIR] [--pathways] [--pathway-weights W1,W2] [--by-kind] [--dy-sources] [--lambdas L1,L2] [--selections T1,T2]
      [--refit-points] [--reshape]
  python3 scripts/analysis/validation_offline.py --check-additive-share
"""
import argparse
import copy
import json
import os
import struct

import numpy as np
from scipy.stats import rankdata, spearmanr

DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}
FAMILIES = ["probes", "categories", "coefficients"]


def safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name != "__metadata__":
            a, b = t["data_offsets"]
            out[name] = np.frombuffer(data[a:b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return out


def jsonl(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def retrainings(folder, subset):
    """A subset's retraining outcomes (X, y, β, ...), one per order, in order."""
    out = []
    while os.path.exists(path := os.path.join(folder, "retrain", f"s{subset:03d}-r{len(out)}.safetensors")):
        out.append(safetensors(path))
    return out


def column_spearman(a, b):
    """Per column, the Spearman correlation of a and b (average ranks for ties, as scipy's spearmanr)."""
    ra, rb = rankdata(a, axis=0), rankdata(b, axis=0)
    ra, rb = ra - ra.mean(0), rb - rb.mean(0)
    return (ra * rb).sum(0) / np.sqrt((ra * ra).sum(0) * (rb * rb).sum(0))


def target_spearman(a, b):
    """Per column, the Spearman correlation of a and b; NaN where either does not vary."""
    out = np.full(a.shape[1], np.nan)
    varying = (np.ptp(a, 0) > 0) & (np.ptp(b, 0) > 0)
    out[varying] = column_spearman(a[:, varying], b[:, varying])
    return out


class Validation:
    """A validation's subsets (as 0/1 rows over the run's pairs) and each family's change, mean over orders."""

    def __init__(self, run, folder):
        manifest = json.load(open(os.path.join(run, "run.json")))
        pairs = [p["id"] for p in jsonl(manifest["inputs"]["pairs"]["path"])]
        probes = jsonl(manifest["inputs"]["probes"]["path"])
        categories = list(dict.fromkeys(p["category"] for p in probes))
        self.category = category = np.array([categories.index(p["category"]) for p in probes])
        index = {p: i for i, p in enumerate(pairs)}
        subsets = json.load(open(os.path.join(folder, "subsets.json")))
        self.folder = folder
        self.membership = np.zeros((len(subsets), len(pairs)))
        for s, subset in enumerate(subsets):
            self.membership[s, [index[p] for p in subset]] = 1
        base_y = safetensors(os.path.join(run, "base.safetensors"))["y"]
        base_beta = np.array(json.load(open(os.path.join(run, "policy.json")))["coef"])
        repeats = len(retrainings(folder, 0))
        y = np.zeros((repeats, len(subsets), len(base_y)))
        beta = np.zeros((repeats, len(subsets), len(base_beta)))
        for s in range(len(subsets)):
            for r, outcome in enumerate(retrainings(folder, s)):
                y[r, s], beta[r, s] = outcome["y"] - base_y, outcome["beta"] - base_beta
        # each family's change per order [order][subset][target]; a method is scored on the mean over orders
        self.orders = {
            "probes": y,
            "categories": self.category_means(y),
            "coefficients": beta,
        }
        self.actual = {family: changes.mean(0) for family, changes in self.orders.items()}

    def category_means(self, per_probe):
        """Per category, the mean over its probes of a per-probe vector (or of each row of a matrix)."""
        return np.stack([per_probe[..., self.category == c].mean(-1) for c in range(self.category.max() + 1)], -1)

    def ceilings(self, family):
        """Per target, the noise ceiling as smda computes it: the Spearman-Brown step-up of the mean correlation of two orders."""
        orders = self.orders[family]
        repeats = len(orders)
        with np.errstate(invalid="ignore"):
            rhos = np.array([column_spearman(orders[a], orders[b]) for a in range(repeats) for b in range(a + 1, repeats)])
        counted = ~np.isnan(rhos)
        rho1 = np.where(counted.any(0), np.nansum(rhos, 0) / np.maximum(counted.sum(0), 1), np.nan)
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(rho1), np.nan, np.where(rho1 <= 0, 0.0, np.sqrt(repeats * rho1 / (1 + (repeats - 1) * rho1))))

    def size(self, per_pair):
        """Per family, the median over subsets of the predicted change's norm over the actual's (x1 is right)."""
        return {family: round(float(np.median(np.linalg.norm(self.membership @ per_pair[family], axis=1)
                                              / np.linalg.norm(self.actual[family], axis=1))), 2) for family in FAMILIES}

    def lds(self, per_pair):
        """Mean over a family's targets of the Spearman correlation, across subsets, of predicted and actual change."""
        every = np.arange(len(self.membership))
        return {family: round(self.family_lds(per_pair[family], family, every), 3) for family in FAMILIES}

    def family_lds(self, per_pair, family, pick):
        return float(np.nanmean(self.target_lds(per_pair, family, pick)))

    def target_lds(self, per_pair, family, pick=None):
        """Per target of a family, the Spearman correlation across the picked subsets (all by default) of predicted and
        actual change; NaN where either does not vary."""
        pick = np.arange(len(self.membership)) if pick is None else pick
        return target_spearman((self.membership @ per_pair)[pick], self.actual[family][pick])

    def paired_difference(self, a, b, samples=1000, seed=1):
        """Per family, LDS of a minus LDS of b, with a 95% interval from resampling the subsets for both at once."""
        rng = np.random.default_rng(seed)
        n = len(self.membership)
        picks = [rng.integers(0, n, n) for _ in range(samples)]
        out = {}
        for family in FAMILIES:
            every = np.arange(n)
            d = self.family_lds(a[family], family, every) - self.family_lds(b[family], family, every)
            resampled = [self.family_lds(a[family], family, p) - self.family_lds(b[family], family, p) for p in picks]
            out[family] = (round(d, 3), *np.round(np.percentile(resampled, [2.5, 97.5]), 3).tolist())
        return out


def linear_share(membership, orders, source=None):
    """Per target, the variance of the best additive function of the subset and the variance of the true
    (noise-free) change, from random subsets of a fixed size.

    With x the centred membership (x_i = z_i - p), the best additive function explains
    (n-1)/(n p(1-p)) * sum_i Cov(x_i, f)^2 (the fixed size makes the x_i sum to zero). Each squared
    covariance is estimated without bias by a U-statistic over pairs of distinct subsets, so order
    noise, which does not depend on the subset, drops out; the true variance is the variance of the
    mean over R orders less the order noise over R. `source` names each row's original subset when a
    bootstrap draw repeats some, so that no subset is paired with a copy of itself.
    """
    repeats, subsets, _ = orders.shape
    n = membership.shape[1]
    p = membership.sum(1).mean() / n
    x = membership - p
    mean = orders.mean(0)
    centred = mean - mean.mean(0)
    source = np.arange(subsets) if source is None else source
    same = np.equal.outer(source, source)
    gram = np.where(same, 0.0, x @ x.T)
    squared_covariances = np.einsum("kt,kl,lt->t", centred, gram, centred) / (subsets * subsets - same.sum())
    additive = (n - 1) / (n * p * (1 - p)) * squared_covariances
    noise = orders.var(0, ddof=1).mean(0)
    return additive, mean.var(0, ddof=1) - noise / repeats


def additive_share(membership, orders, source=None):
    """sqrt(sum of the additive variances / sum of the true variances) over a family's targets."""
    additive, true = linear_share(membership, orders, source)
    varying = true > 0
    return float(np.sqrt(max(additive[varying].sum(), 0.0) / true[varying].sum()))


def check_additive_share(seed=0):
    """The estimator against the share a least-squares fit on 20,000 draws finds, on outcomes made of an
    additive part, pairwise interactions and order noise."""
    rng = np.random.default_rng(seed)
    n, size, targets = 200, 100, 20

    def draw(k):
        z = np.zeros((k, n))
        for row in z:
            row[rng.choice(n, size, replace=False)] = 1
        return z

    for strength in [0.0, 0.15, 0.5]:
        main_effects = rng.normal(size=(n, targets))
        interactions = rng.normal(size=(n, n, targets)) * strength

        def outcome(z):
            return z @ main_effects + np.einsum("ki,ijt,kj->kt", z, interactions, z)

        big = draw(20000)
        truth = outcome(big)
        design = np.c_[np.ones(len(big)), big[:, 1:]]
        fitted = design @ np.linalg.lstsq(design, truth, rcond=None)[0]
        expected = np.sqrt(fitted.var(0).sum() / truth.var(0).sum())
        estimates = []
        for _ in range(5):
            z = draw(200)
            f = outcome(z)
            noisy = np.stack([f + rng.normal(size=f.shape) * f.std(0) * 0.7 for _ in range(2)])
            estimates.append(additive_share(z, noisy))
        print(f"interaction strength {strength}: share {expected:.3f} by least squares on 20000 draws,"
              f" estimated from 200 subsets in 2 noisy orders {np.mean(estimates):.3f} +- {np.std(estimates):.3f}")


class Policy:
    """The run's policy refitted as the validation refits it: the base's standardisation and λ kept (or another λ)."""

    def __init__(self, run, lam=None, columns=None):
        policy = json.load(open(os.path.join(run, "policy.json")))
        base = safetensors(os.path.join(run, "base.safetensors"))
        # the policy's features, or a subset of them (as a stricter --selection-threshold would choose)
        self.columns = np.arange(base["X"].shape[1]) if columns is None else columns
        self.mean, self.scale = np.array(policy["mean"])[self.columns], np.array(policy["scale"])[self.columns]
        self.lam = policy["lambda"] if lam is None else lam
        self.intercept = policy["fit_intercept"]
        self.x0, self.y0 = base["X"], base["y"]
        self.beta0 = self.refit(self.x0, self.y0)
        # where the run refits each pair's change (smda run --refit-at): refit.safetensors' features, else the base's
        refit_file = os.path.join(run, "refit.safetensors")
        self.x_refit = safetensors(refit_file)["X"] if os.path.exists(refit_file) else self.x0
        self.beta_refit = self.refit(self.x_refit, self.y0)

    @staticmethod
    def selected(run, threshold):
        """The policy on the run's features that fire on at least `threshold` of the probes (as `smda run
        --selection-threshold` would choose them), λ chosen again by the one-standard-error rule."""
        columns = np.flatnonzero((Policy(run).x0 != 0).mean(0) >= threshold)
        return Policy(run, Policy(run, None, columns).one_standard_error_lambda(), columns)

    def refit(self, x, y):
        z = (x[:, self.columns] - self.mean) / self.scale
        zc = z - z.mean(0) if self.intercept else z
        yc = y - y.mean() if self.intercept else y
        return np.linalg.solve(zc.T @ zc + self.lam * np.eye(z.shape[1]), zc.T @ yc)

    def fitted(self, x, y):
        """Every probe's behaviour as the policy refitted on x, y predicts it."""
        z = (x[:, self.columns] - self.mean) / self.scale
        beta = self.refit(x, y)
        return y.mean() + (z - z.mean(0)) @ beta if self.intercept else z @ beta

    def change(self, dx, dy):
        """Δβ of the policy refitted on the base's probes moved by dx and dy."""
        return self.refit(self.x0 + dx, self.y0 + dy) - self.beta0

    def pair_change(self, dx, dy):
        """One pair's Δβ as the run computes it: refitted at the run's refit point moved by the pair's dx and dy."""
        return self.refit(self.x_refit + dx, self.y0 + dy) - self.beta_refit

    def fit(self):
        """The base policy's R² in sample and leave-one-out."""
        residual, loo = self.residuals(self.lam)
        total = ((self.y0 - self.y0.mean()) ** 2).sum() if self.intercept else (self.y0 ** 2).sum()
        return 1 - (residual ** 2).sum() / total, 1 - (loo ** 2).sum() / total

    def residuals(self, lam):
        """The base fit's residuals at λ, in sample and leave-one-out (the intercept unpenalised: hat matrix 1/n plus the ridge's)."""
        z = (self.x0[:, self.columns] - self.mean) / self.scale
        zc, yc = (z - z.mean(0), self.y0 - self.y0.mean()) if self.intercept else (z, self.y0)
        hat = zc @ np.linalg.solve(zc.T @ zc + lam * np.eye(z.shape[1]), zc.T) + (1 / len(z) if self.intercept else 0)
        residual = yc - hat @ yc
        return residual, residual / (1 - np.diag(hat))

    def one_standard_error_lambda(self):
        """smda's --lambda-criterion loo-1se on its default grid: the largest λ whose leave-one-out error is within one
        standard error (of the best λ's per-probe squared errors) of the best."""
        grid = [10 ** (-3 + 7 * i / 35) for i in range(36)]
        squared = [self.residuals(lam)[1] ** 2 for lam in grid]
        best = int(np.argmin([e.mean() for e in squared]))
        bound = squared[best].mean() + squared[best].std(ddof=1) / np.sqrt(len(squared[best]))
        return max(lam for lam, e in zip(grid, squared) if lam >= grid[best] and e.mean() <= bound)


def pair_effects(run):
    """The run's per-pair files (dX, dy, and with checkpoints base_dX, base_dy), in the order of its pairs."""
    manifest = json.load(open(os.path.join(run, "run.json")))
    ids = [p["id"] for p in jsonl(manifest["inputs"]["pairs"]["path"])]
    return {p: safetensors(os.path.join(run, "pairs", p + ".safetensors")) for p in ids}


def pathways(run, folder):
    """Per-coefficient LDS of refitted policies, inputs from smda's sums or the first order's measurement, against the other orders' mean β."""
    policy = Policy(run)
    refit, x0, y0, beta0 = policy.refit, policy.x0, policy.y0, policy.beta0
    effects = pair_effects(run)
    subsets = json.load(open(os.path.join(folder, "subsets.json")))
    variants = {"smda's dX and dy": [], "measured dy": [], "measured dX": [], "both measured": []}
    target, reproduced = [], 0.0
    for s, subset in enumerate(subsets):
        orders = retrainings(folder, s)
        first = orders[0]
        dx = sum(effects[p]["dX"] for p in subset)
        dy = sum(effects[p]["dy"] for p in subset)
        reproduced = max(reproduced, float(np.abs(refit(first["X"], first["y"]) - first["beta"]).max()))
        target.append(np.mean([o["beta"] for o in orders[1:]], 0) - beta0)
        variants["smda's dX and dy"].append(policy.change(dx, dy))
        variants["measured dy"].append(refit(x0 + dx, first["y"]) - beta0)
        variants["measured dX"].append(refit(first["X"], y0 + dy) - beta0)
        variants["both measured"].append(first["beta"] - beta0)
    print(f"refit reproduces the retrained beta to {reproduced:.1e}")
    target = np.array(target)
    for name, predicted in variants.items():
        predicted = np.array(predicted)
        rhos = [spearmanr(predicted[:, t], target[:, t])[0] for t in range(target.shape[1]) if np.ptp(target[:, t]) > 0]
        print(f"coefficients refitted from {name}: LDS {np.mean(rhos):.3f} against the other orders' mean")


def pathway_weights(run, test, weights, samples):
    """Each pair's Δβ with its ΔX scaled by each weight against the dy pathway, scored per coefficient as the run's own;
    and what each pathway reads: the probes' Δy with each subset's mean over the probes removed, and the features' ΔX."""
    policy = Policy(run)
    effects = list(pair_effects(run).values())
    variants = [(f"dX weighed {w:g}", policy, np.array([policy.refit(policy.x_refit + w * e["dX"], policy.y0 + e["dy"]) - policy.beta_refit
                                                          for e in effects])) for w in [1.0] + weights]
    coefficient_sweep(test, variants, samples)
    summed_dy = test.membership @ np.array([e["dy"] for e in effects])
    for label, centre in [("probes' dy", lambda a: a), ("probes' dy, each subset's mean over the probes removed", lambda a: a - a.mean(-1, keepdims=True))]:
        orders = centre(test.orders["probes"])
        ceiling, lds = scored_as_targets(test, orders, centre(summed_dy))
        print(f"{label}: ceiling {ceiling:.3f}, smda's summed dy {lds:.3f} ({lds / ceiling:.0%}), one more retraining {one_more_retraining(orders):.3f}")
    # what the ΔX pathway reads: each (probe, feature) entry active at the base (the run's ΔX is linearised there)
    active = (policy.x0 != 0).reshape(-1)
    changes = np.array([[o["X"] - policy.x0 for o in retrainings(test.folder, s)] for s in range(len(test.membership))])
    orders = changes.transpose(1, 0, 2, 3).reshape(changes.shape[1], changes.shape[0], -1)[:, :, active]
    summed_dx = (test.membership @ np.array([e["dX"] for e in effects]).reshape(len(effects), -1))[:, active]
    ceiling, lds = scored_as_targets(test, orders, summed_dx)
    print(f"features' dX, each probe's active feature a target ({active.sum()}): ceiling {ceiling:.3f}, smda's summed dX {lds:.3f} ({lds / ceiling:.0%})")


def scored_as_targets(test, orders, predicted):
    """The noise ceiling of targets given as their retrained changes per order ([order][subset][target]), and the
    LDS of a prediction of them ([subset][target]), each the mean over the targets."""
    at = copy.copy(test)
    at.orders = {**test.orders, "probes": orders}
    at.actual = {**test.actual, "probes": orders.mean(0)}
    return float(np.nanmean(at.ceilings("probes"))), float(np.nanmean(target_spearman(predicted, at.actual["probes"])))


def one_more_retraining(orders):
    """One more retraining's mean LDS against the mean of the other orders, each order held out in turn."""
    return float(np.mean([np.nanmean(target_spearman(orders[h], np.delete(orders, h, 0).mean(0))) for h in range(len(orders))]))


def lambda_sweep(run, test, lambdas, samples):
    """Per λ: the base policy's fit, and smda's summed per-pair Δβ against the policy retrained and refitted at that λ."""
    one_se = Policy(run).one_standard_error_lambda()
    policy_sweep(run, test, [Policy(run, one_se if lam == "loo-1se" else lam) for lam in lambdas], samples)


def selection_sweep(run, test, thresholds, samples):
    """Per share of probes a policy feature must fire on (a stricter --selection-threshold than the run's): the policy
    on those features alone, λ chosen again by the one-standard-error rule, scored as lambda_sweep scores a λ; and
    how the run's own per-coefficient LDS and ceiling vary with how often a feature fires."""
    policies = [Policy.selected(run, threshold) for threshold in thresholds]
    per_target = policy_sweep(run, test, policies, samples)
    print("the same features' coefficients in the run's policy (mean LDS as measured / re-encoded), against in the smaller policy:")
    for policy, own in zip(policies, per_target[1:]):
        print(f"  {len(policy.columns):3d} features: {np.nanmean(per_target[0]['X'][policy.columns]):.3f} / "
              f"{np.nanmean(per_target[0]['X_reencoded'][policy.columns]):.3f}, in the smaller policy {np.nanmean(own['X']):.3f} / "
              f"{np.nanmean(own['X_reencoded']):.3f}")
    firing = (Policy(run).x0 != 0).mean(0)
    rho, ceiling = per_target[0]["X"], test.ceilings("coefficients")
    print("the run's coefficients by how often their feature fires: features, mean LDS, mean ceiling")
    for low, high in zip([0] + thresholds, thresholds + [1.01]):
        band = (firing >= low) & (firing < high)
        if band.any():
            print(f"  fires on {low:.0%}-{min(high, 1):.0%} of probes: {band.sum():3d}, LDS {np.nanmean(rho[band]):.3f},"
                  f" ceiling {np.nanmean(ceiling[band]):.3f}")


def policy_sweep(run, test, policies, samples):
    """Per policy (another λ, or fewer features): the base policy's fit, and smda's summed per-pair Δβ (each pair's
    refitted with that policy) scored by coefficient_sweep against that policy's own refitted targets. Returns, per
    policy (the run's first), each coefficient's LDS as measured and re-encoded."""
    effects = list(pair_effects(run).values())
    variants = []
    for policy in [Policy(run)] + policies:
        r2, loo = policy.fit()
        label = f"{len(policy.columns)} features, lambda {policy.lam:9.4g}: R2 {r2:.3f} in sample, {loo:.3f} leave-one-out"
        variants.append((label, policy, np.array([policy.pair_change(e["dX"], e["dy"]) for e in effects])))
    return coefficient_sweep(test, variants, samples)


def refit_points(run, test, samples):
    """smda's per-pair Δβ with the refit's sensitivity taken where a retraining on a subset is half-way, instead of at
    the base: each pair's Δβ = refit(X_m + dX, y_m + dy) - refit(X_m, y_m), with X_m, y_m the base moved by half the
    expected subset change that the pairs' own effects sum to (the subset's size / 2 times their mean), the features,
    the behaviour or both moved (the midpoint rule for the change of the refit along the retraining's path)."""
    policy = Policy(run)
    effects = list(pair_effects(run).values())
    half = test.membership.sum(1).mean() / 2
    mean_dx, mean_dy = np.mean([e["dX"] for e in effects], 0), np.mean([e["dy"] for e in effects], 0)
    variants = [("the run's (refit.safetensors, else the base)", policy, np.array([policy.pair_change(e["dX"], e["dy"]) for e in effects]))]
    for label, move_x, move_y in [("at the base", 0, 0), ("at the midpoint", 1, 1), ("features at the midpoint", 1, 0),
                                  ("behaviour at the midpoint", 0, 1)]:
        x, y = policy.x0 + move_x * half * mean_dx, policy.y0 + move_y * half * mean_dy
        at = policy.refit(x, y)
        variants.append((label, policy, np.array([policy.refit(x + e["dX"], y + e["dy"]) - at for e in effects])))
    coefficient_sweep(test, variants, samples)


def coefficient_sweep(test, variants, samples):
    """Per variant (label, policy, per-pair Δβ): the summed Δβ against the policy retrained and refitted as that
    policy refits (features as measured, and as the SAE re-encodes them), beside their noise ceiling, with the LDS's
    difference from the first variant's on the same resampled subsets. Returns, per variant, each coefficient's LDS
    as measured and re-encoded."""
    outcomes = [retrainings(test.folder, s) for s in range(len(test.membership))]
    rng = np.random.default_rng(1)
    n = len(test.membership)
    picks = [rng.integers(0, n, n) for _ in range(samples)]
    first, per_target = {}, []
    for k, (label, policy, predicted) in enumerate(variants):
        per_target.append({})
        line = label
        for features in ["X", "X_reencoded"]:
            changes = np.array([[policy.refit(o[features], o["y"]) - policy.beta0 for o in orders] for orders in outcomes])
            at = copy.copy(test)
            at.orders = {**test.orders, "coefficients": changes.transpose(1, 0, 2)}
            at.actual = {**test.actual, "coefficients": changes.mean(1)}
            ceiling = float(np.nanmean(at.ceilings("coefficients")))
            per_target[-1][features] = at.target_lds(predicted, "coefficients")
            lds = float(np.nanmean(per_target[-1][features]))
            size = np.median(np.linalg.norm(at.membership @ predicted, axis=1) / np.linalg.norm(at.actual["coefficients"], axis=1))
            line += f"; {'re-encoded' if features != 'X' else 'coefficients'}: ceiling {ceiling:.3f}, smda {lds:.3f} ({lds / ceiling:.0%}) x{size:.2f}"
            resampled = np.array([at.family_lds(predicted, "coefficients", p) for p in picks])
            if k == 0:
                first[features] = (lds, resampled)
            else:
                low, high = np.percentile(resampled - first[features][1], [2.5, 97.5])
                line += f", minus the first {lds - first[features][0]:+.3f} [{low:+.3f}, {high:+.3f}]"
        print(line)
    return per_target


def one_retraining(test, scores):
    """Per family, one more retraining's LDS against the mean of the other orders (each held out in turn), and smda's minus it."""
    for family in FAMILIES:
        orders = test.orders[family]
        predicted = test.membership @ scores[family]
        one = one_more_retraining(orders)
        ours = np.mean([np.nanmean(target_spearman(predicted, np.delete(orders, h, 0).mean(0))) for h in range(len(orders))])
        print(f"{family}: one more retraining {one:.3f}, smda minus it {ours - one:+.3f}")


def by_kind(run, test, scores):
    """Per category and per kind of probe: smda's LDS, the noise ceiling, and the LDS of the run's Δy at the base and over its checkpoints."""
    manifest = json.load(open(os.path.join(run, "run.json")))
    probes = jsonl(manifest["inputs"]["probes"]["path"])
    effects = list(pair_effects(run).values())
    variants = {"smda": scores["probes"], "dy over the checkpoints": np.array([e["dy"] for e in effects])}
    if "base_dy" in effects[0]:
        variants["dy at the base"] = np.array([e["base_dy"] for e in effects])
    actual = test.actual["probes"]
    targets = [t for t in range(actual.shape[1]) if np.ptp(actual[:, t]) > 0]
    ceilings = test.ceilings("probes")
    lds = {name: dict(zip(targets, column_spearman((test.membership @ per_pair)[:, targets], actual[:, targets]))) for name, per_pair in variants.items()}
    groups = {f"{p['category']} ({'harmful' if p.get('harmful') else 'harmless'})": [] for p in probes}
    for t in targets:
        groups[f"{probes[t]['category']} ({'harmful' if probes[t].get('harmful') else 'harmless'})"].append(t)
    groups["harmful probes"] = [t for t in targets if probes[t].get("harmful")]
    groups["harmless probes"] = [t for t in targets if not probes[t].get("harmful")]
    groups["all probes"] = targets
    print(f"{'probes':34s} {'n':>4s} {'ceiling':>8s}" + "".join(f" {name:>24s}" for name in variants))
    for group, members in groups.items():
        row = f"{group:34s} {len(members):4d} {np.nanmean([ceilings[t] for t in members]):8.3f}"
        print(row + "".join(f" {np.mean([lds[name][t] for t in members]):24.3f}" for name in variants))


def dy_sources(run, test, scores, samples):
    """smda's three families rebuilt with each pair's Δy and ΔX from its checkpoints, the base alone, or per kind of probe."""
    manifest = json.load(open(os.path.join(run, "run.json")))
    harmful = np.array([bool(p.get("harmful")) for p in jsonl(manifest["inputs"]["probes"]["path"])])
    effects = list(pair_effects(run).values())
    if "base_dy" not in effects[0]:
        raise SystemExit(f"{run}: was run with one checkpoint; its pairs hold no effect at the base apart from the checkpoints'")
    rows = harmful[:, None]
    sources = {
        "checkpoints (the run's)": [(e["dX"], e["dy"]) for e in effects],
        "the base alone": [(e["base_dX"], e["base_dy"]) for e in effects],
        "per kind: dy": [(e["dX"], np.where(harmful, e["base_dy"], e["dy"])) for e in effects],
        "per kind: dX and dy": [(np.where(rows, e["base_dX"], e["dX"]), np.where(harmful, e["base_dy"], e["dy"])) for e in effects],
    }
    policy = Policy(run)
    ceilings = {family: float(np.nanmean(test.ceilings(family))) for family in FAMILIES}
    print("noise ceiling", {family: round(c, 3) for family, c in ceilings.items()})
    for name, per_pair in sources.items():
        dy = np.array([d for _, d in per_pair])
        rebuilt = {"probes": dy, "categories": test.category_means(dy), "coefficients": np.array([policy.pair_change(dx, d) for dx, d in per_pair])}
        if name.startswith("checkpoints"):
            print("  rebuilt from the pair files, largest difference from the score file:",
                  {family: float(f"{np.abs(rebuilt[family] - scores[family]).max():.1e}") for family in FAMILIES})
        lds = test.lds(rebuilt)
        print(f"{name}: LDS {lds}, of the ceiling {({f: round(lds[f] / ceilings[f], 2) for f in FAMILIES})}, size {test.size(rebuilt)}")
        print(f"  minus the run's own, paired 95% interval {test.paired_difference(rebuilt, scores, samples=samples)}")


def reshape(run, test, scores):
    """smda's scores shrunk towards their group's mean or raised to a power: gains would say the per-pair errors are a group bias or a scale."""
    manifest = json.load(open(os.path.join(run, "run.json")))
    pairs = jsonl(manifest["inputs"]["pairs"]["path"])
    group = np.array([f"{p['category']} {bool(p.get('harmful'))}" for p in pairs])

    def shrunk(x, k):
        out = x.copy()
        for g in set(group):
            mean = x[group == g].mean(0)
            out[group == g] = mean + k * (x[group == g] - mean)
        return out

    def powered(x, g):
        centred = x - np.median(x, 0)  # a shift common to every pair changes no subset's rank
        return np.sign(centred) * np.abs(centred) ** g

    for k in [0.75, 0.5, 0.25, 0]:
        print(f"shrunk towards the mean of its category and kind, x{k}", test.lds({f: shrunk(scores[f], k) for f in FAMILIES}))
    for g in [0.5, 0.75, 0.9, 1.25]:
        print(f"distance from the median to the power {g}", test.lds({f: powered(scores[f], g) for f in FAMILIES}))
    truth_file = manifest["inputs"]["pairs"]["path"][: -len(".jsonl")] + ".truth.jsonl"
    if not os.path.exists(truth_file):
        return
    kinds = np.array([t["kind"] for t in jsonl(truth_file)])
    categories = list(dict.fromkeys(p["category"] for p in jsonl(manifest["inputs"]["probes"]["path"])))
    predicted, actual = test.membership @ scores["categories"], test.actual["categories"]
    print("per category: correlation over subsets of the change the prediction leaves unexplained (least squares) with the count of each planted kind")
    for c, name in enumerate(categories):
        fitted = np.polyval(np.polyfit(predicted[:, c], actual[:, c], 1), predicted[:, c])
        counts = {k: np.corrcoef(test.membership @ (kinds == k), actual[:, c] - fitted)[0, 1] for k in sorted(set(kinds))}
        print(f"  {name:28s}" + "".join(f" {k} {r:+.2f}" for k, r in counts.items()))


def ridge(x, y, lam):
    xc, yc = x - x.mean(0), y - y.mean(0)
    return np.linalg.solve(xc.T @ xc + lam * np.eye(x.shape[1]), xc.T @ yc)


def cross_validated_lambda(x, y, lambdas, folds=5):
    fold = np.arange(len(x)) % folds
    errors = []
    for lam in lambdas:
        error = 0.0
        for f in range(folds):
            w = ridge(x[fold != f], y[fold != f], lam)
            predicted = (x[fold == f] - x[fold != f].mean(0)) @ w + y[fold != f].mean(0)
            error += ((predicted - y[fold == f]) ** 2).sum()
        errors.append(error)
    return lambdas[int(np.argmin(errors))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", nargs="?")
    parser.add_argument("--validation", help="validation folder whose subsets are scored (default RUN/validation)")
    parser.add_argument("--mix", help="another run of the same world whose smda scores are mixed in")
    parser.add_argument("--datamodel", help="validation folder whose retrainings a datamodel is fitted on")
    parser.add_argument("--additive-share", help="validation folder (many subsets, two orders or more) whose additive share is estimated")
    parser.add_argument("--check-additive-share", action="store_true", help="check the additive-share estimator on synthetic outcomes")
    parser.add_argument("--pathways", action="store_true", help="refit the policy from smda's sums or one order's measured dX, dy")
    parser.add_argument("--pathway-weights", help="comma-separated weights of each pair's dX against its dy in its refitted Δβ (1 is the run's own)")
    parser.add_argument("--one-retraining", action="store_true", help="one more retraining's LDS against the mean of the other orders, and smda's minus it")
    parser.add_argument("--by-kind", action="store_true", help="the probes' LDS per category and kind, and of the run's dy at the base and over checkpoints")
    parser.add_argument("--dy-sources", action="store_true", help="smda's scores rebuilt with each pair's dy from its checkpoints, the base alone, or per kind of probe")
    parser.add_argument("--lambdas", help="comma-separated ridge penalties (or loo-1se, smda's one-standard-error rule) at which the policy, its retrained change and smda's Δβ are refitted")
    parser.add_argument("--selections", help="comma-separated shares of the probes a policy feature must fire on, at which the policy is refitted on fewer features (λ by loo-1se) and scored as --lambdas scores a λ")
    parser.add_argument("--refit-points", action="store_true", help="smda's per-pair Δβ with the refit's sensitivity taken half-way through a subset's expected change instead of at the base")
    parser.add_argument("--reshape", action="store_true", help="smda's scores shrunk towards their category's mean or raised to a power; residuals against planted kinds")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples of the paired difference (default 1000)")
    args = parser.parse_args()
    if args.check_additive_share:
        check_additive_share()
        return
    if not args.run:
        parser.error("RUN is required")
    folder = args.validation or os.path.join(args.run, "validation")
    test = Validation(args.run, folder)
    # the run's smda scores: from the validation folder, else from the run's own validation (a
    # folder of retrainings only, such as one made for a datamodel, has none)
    own = os.path.join(folder, "scores", "smda.safetensors")
    scores = safetensors(own if os.path.exists(own) else os.path.join(args.run, "validation", "scores", "smda.safetensors"))
    print("smda", test.lds(scores))
    if args.mix:
        other = safetensors(os.path.join(args.mix, "validation", "scores", "smda.safetensors"))
        for w in [0, 0.25, 0.5, 0.75, 1]:
            print(f"{w:.2f} x this run + {1 - w:.2f} x {args.mix}", test.lds({f: w * scores[f] + (1 - w) * other[f] for f in FAMILIES}))
        print(f"this run minus {args.mix}, paired 95% interval", test.paired_difference(scores, other, samples=args.samples))
    if args.datamodel:
        train = Validation(args.run, args.datamodel)
        lambdas = [1, 3, 10, 30, 100, 300, 1000]
        for n in sorted({50, 100, len(train.membership)}):
            weights = {}
            for family in FAMILIES:
                x, y = train.membership[:n], train.actual[family][:n]
                weights[family] = ridge(x, y, cross_validated_lambda(x, y, lambdas))
            print(f"datamodel from {n} subsets", test.lds(weights))
    if args.pathways:
        pathways(args.run, folder)
    if args.pathway_weights:
        pathway_weights(args.run, test, [float(v) for v in args.pathway_weights.split(",")], args.samples)
    if args.lambdas:
        lambda_sweep(args.run, test, [v if v == "loo-1se" else float(v) for v in args.lambdas.split(",")], args.samples)
    if args.selections:
        selection_sweep(args.run, test, [float(v) for v in args.selections.split(",")], args.samples)
    if args.refit_points:
        refit_points(args.run, test, args.samples)
    if args.one_retraining:
        one_retraining(test, scores)
    if args.by_kind:
        by_kind(args.run, test, scores)
    if args.dy_sources:
        dy_sources(args.run, test, scores, args.samples)
    if args.reshape:
        reshape(args.run, test, scores)
    if args.additive_share:
        sample = Validation(args.run, args.additive_share)
        rng = np.random.default_rng(1)
        k = len(sample.membership)
        for family in FAMILIES:
            orders = sample.orders[family]
            picks = [rng.integers(0, k, k) for _ in range(args.samples // 5)]
            resampled = [additive_share(sample.membership[p], orders[:, p], p) for p in picks]
            low, high = np.percentile(resampled, [2.5, 97.5])
            print(f"{family}: the best additive attribution reaches {additive_share(sample.membership, orders):.3f}"
                  f" [{low:.3f}, {high:.3f}] of the noise ceiling ({k} subsets, {orders.shape[0]} orders)")


if __name__ == "__main__":
    main()
