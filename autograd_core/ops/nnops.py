"""Neural-network primitives: softmax, log_softmax, dropout."""
