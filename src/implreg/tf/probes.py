"""The tf paper's heavy rules and how the pre-flight probes them (format: implreg.preflight.probes.Probe)."""

from implreg.preflight.probes import Probe

PROBES = (
    Probe("train_tf_dynamics", "implreg.tf.preflight.probe_dynamics", 51),  # 2 log points (log_every 25) timed
    # epochs; the variants share the data's shape
    Probe("train_tf_natural", "implreg.tf.preflight.probe_natural", 3, shared=("variant",)),
)
