"""Execute: items from a dataset source, the task on each item, evaluators on each output."""
