"""A script for langfuse/experiment-action; scoregate runs it unchanged."""

from langfuse import Evaluation, RegressionError


def task(*, item, **kwargs):
    return str(item.expected_output)


def exact(*, input, output, expected_output, metadata, **kwargs):
    return Evaluation(name="accuracy", value=float(output == expected_output))


def average(*, item_results, **kwargs):
    values = [e.value for r in item_results for e in r.evaluations]
    return Evaluation(name="avg_accuracy", value=sum(values) / max(len(item_results), 1))


def experiment(context):
    result = context.run_experiment(
        name="qa", task=task, evaluators=[exact], run_evaluators=[average]
    )
    accuracy = result.run_evaluations[0].value
    if accuracy < 0.8:
        raise RegressionError(result=result, metric="avg_accuracy", value=accuracy, threshold=0.8)
