"""The numeric columns of the norms paper's CSV tables, declared where they are read.

`implreg.io.read_csv_rows` infers a numeric column from its numbers; a damaged file whose only value in a column is
text has none to infer from (a one-row table), so each reader names the columns it computes with and any text there
is a DataError naming the file, not a raw ValueError later.
"""

MATRIX_METRICS = ("frobenius", "nuclear", "spectral", "sigma_min", "effective_rank")
DMF_TABLE = ("step", "loss", "w11", "w12", "w21", "w22", "det", *MATRIX_METRICS)  # measure_dmf
FLOW_TABLE = ("t", "loss", "w11", "w22", "det", "lr_sharpness", *MATRIX_METRICS)  # solve_dmf_flow
TC_RUNS = ("num_obs", "rep", "steps", "error", "rank")  # measure_tc
TC_LINEAR = ("num_obs", "error", "rank")  # measure_tc_linear
