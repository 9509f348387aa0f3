"""Neural-network primitives: softmax, log_softmax, dropout."""

__all__: list[str] = []
