"""The tf paper's heavy rules and how the pre-flight probes them (format: implreg.preflight.probes.Probe)."""

from implreg.preflight.probes import Probe

PROBES = (
    Probe("train_tf_dynamics", "implreg.tf.preflight.probe_dynamics", 51),  # 2 log points (log_every 25) timed
    # the robustness instances: one probe per observation count (the data seed does not change the work per step)
    Probe("train_tf_robustness", "implreg.tf.preflight.probe_dynamics", 51, shared=("dseed",)),
    # epochs; the variants share the data's shape
    Probe("train_tf_natural", "implreg.tf.preflight.probe_natural", 3, shared=("variant",)),
)
