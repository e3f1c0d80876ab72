"""The norms paper's heavy rules and how the pre-flight probes them (format: implreg.preflight.probes.Probe)."""

from implreg.preflight.probes import Probe

PROBES = (
    # numba kernel, no per-step hook: timed as one call of 2e5 steps (after a 100-step JIT warm-up)
    Probe("train_dmf", "implreg.norms.preflight.probe_dmf", 200_000),
    Probe("train_tc", "implreg.norms.preflight.probe_tc", 51),
    # the robustness sweeps: the grid's runs all in one job (fewer steps: 16x the figures' runs), the TC targets
    # of one experiment and init share the work per step
    Probe("train_dmf_robustness", "implreg.norms.preflight.probe_dmf", 20_000),
    Probe("train_tc_robustness", "implreg.norms.preflight.probe_tc", 51, shared=("tseed",)),
)
