"""Exceptions that carry a message naming the problem and the fix."""


class ReproError(Exception):
    """Base class: every error the pipeline raises on purpose."""


class ConfigError(ReproError):
    """A config value is missing, mistyped or out of range."""


class DataError(ReproError):
    """A dataset file is missing, truncated or corrupt."""


class WriteError(ReproError):
    """An output or checkpoint could not be written (a full disk, a read-only folder)."""


class DivergenceError(ReproError):
    """Training produced NaN/inf; carries where it happened."""

    def __init__(self, step: int, last_finite_loss: float, run: str | int | None = None, hint: str = ""):
        self.step = step
        self.last_finite_loss = last_finite_loss
        self.run = run
        where = f"run {run} " if run is not None else ""
        msg = (
            f"training {where}diverged at step {step}: loss became NaN/inf "
            f"(last finite loss {last_finite_loss:.6g}). "
            + (hint or "Lower the learning rate or the init scale in config.yaml and rerun.")
        )
        super().__init__(msg)
