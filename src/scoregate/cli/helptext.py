"""``scoregate --help`` as click renders it at 80 columns.

Written by ``python -m scoregate.cli.fast``; do not edit."""

HELP = (
    'Usage: scoregate [OPTIONS] COMMAND [ARGS]...\n'
    '\n'
    '  scoregate: a regression gate for LLM applications.\n'
    '\n'
    '  Runs the experiments of experiments.yaml, compares their scores with a\n'
    '  baseline run and with thresholds, and writes JUnit XML, a markdown report\n'
    '  and an exit code: 0 passed, 1 gate failed, 2 configuration error, 3 run\n'
    '  could not complete, 130 interrupted (143 on SIGTERM).\n'
    '\n'
    'Options:\n'
    '  --version   Show the version and exit.\n'
    '  -h, --help  Show this message and exit.\n'
    '\n'
    'Commands:\n'
    '  baseline     Manage baselines.\n'
    '  comment      Post the report as a sticky pull-request comment.\n'
    '  compare      Gate CANDIDATE against BASELINE without rerunning, with...\n'
    '  init         Write a working starter here: experiments.yaml, a dataset,...\n'
    "  merge        Join the shard run records of one run (from 'run...\n"
    '  report       Build the HTML report of stored runs: a baseline, a history.\n'
    '  report-link  Link the HTML report from the GitHub job summary.\n'
    '  run          Run the experiments, compare with the baseline, gate, and...\n'
    "  runs         List a Langfuse dataset's experiment runs.\n"
    '  schema       Print the JSON Schema of experiments.yaml (for editors).\n'
    "  show         A run's items and scores, lowest first, with comments...\n"
    '  validate     Check the config, its datasets, tasks and evaluators...\n'
)
