"""htf paper (Razin, Maman & Cohen 2022), locality experiments: Is-Same-Class and Pathfinder.

A ResNet's test accuracy falls to chance as the two things it must relate move apart (images at distance d,
markers joined by a path of length L); the input-gradient-change (IGC) regulariser, which rewards the input
gradient at one patch depending on the content of a distant one, recovers much of the gap.

Modules: ``pathfinder`` and ``is_same_class`` (data), ``resnet`` (models), ``regularizer`` (IGC),
``train`` (one run), ``claims`` and ``calibration`` (checks on the results).
"""
