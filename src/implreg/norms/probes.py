"""The norms paper's heavy rules and how the pre-flight probes them (format: implreg.preflight.probes.Probe)."""

from implreg.preflight.probes import Probe

PROBES = (
    # numba kernel, no per-step hook: timed as one call of 2e5 steps (after a 100-step JIT warm-up)
    Probe("train_dmf", "implreg.norms.preflight.probe_dmf", 200_000),
    Probe("train_tc", "implreg.norms.preflight.probe_tc", 51),
)
