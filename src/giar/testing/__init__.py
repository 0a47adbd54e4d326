"""What measures giar rather than runs it: the bench (scores per path against hand-labeled gold), the
recorded-LLM replay, and (later) simulated models. Shipped in the wheel because ``giar bench`` uses it; the
extraction path never imports it."""
