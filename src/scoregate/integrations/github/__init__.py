"""GitHub: the sticky pull-request comment (the step summary, annotations and outputs are
reports, in ``report/github.py``)."""
