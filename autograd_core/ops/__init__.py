"""The differentiable ops, by family: each module holds Function classes (forward and backward
side by side) and the functions users call."""
