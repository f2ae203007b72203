"""scrub.py: every form a secret takes in text scoregate writes is removed, and nothing else."""

from __future__ import annotations

import base64
import html
import json
import os
import urllib.parse

import pytest

from scoregate.values import scrub
from scoregate.values.scrub import MASK, Scrubber

SECRET = "sk-proj-Q9xT4vB7nR2mK8wZ5yL1"
PUBLIC = "pk-lf-7d1c5e9a3b"
LF_SECRET = "sk-lf-4f2e8a6c1d0b"
ENV = {
    "OPENAI_API_KEY": SECRET,
    "LANGFUSE_PUBLIC_KEY": PUBLIC,
    "LANGFUSE_SECRET_KEY": LF_SECRET,
    "GITHUB_TOKEN": "ghs_0123456789abcdefABCDEF",
    "DB_PASSWORD_FILE_CONTENT": "correct horse battery",
    "MY_SERVICE_SECRET": "s3rv1ce-s3cret",
    "DATABASE_URL": "postgres://app:hunter2-db@db.internal:5432/app",
    "SHORT_TOKEN": "abc",
    "HOME": "/path/to/home",
    "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
}


@pytest.fixture
def scrubber() -> Scrubber:
    return Scrubber.from_env(ENV)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_the_values_of_secret_looking_variables_are_removed(scrubber: Scrubber) -> None:
    for name in (
        "OPENAI_API_KEY",
        "LANGFUSE_PUBLIC_KEY",
        "LANGFUSE_SECRET_KEY",
        "GITHUB_TOKEN",
        "DB_PASSWORD_FILE_CONTENT",
        "MY_SERVICE_SECRET",
    ):
        assert scrubber.text(f"before {ENV[name]} after") == f"before {MASK} after", name
    assert scrubber.text("db at postgres://app:hunter2-db@db") == f"db at postgres://app:{MASK}@db"


def test_short_values_and_other_variables_are_left_alone(scrubber: Scrubber) -> None:
    text = (
        "abc /path/to/home http://127.0.0.1:8080/v1 basic checks, bearer tokens, basic abcdefghij"
    )
    assert scrubber.text(text) == text


def test_a_secret_is_found_in_every_encoding_it_travels_in(scrubber: Scrubber) -> None:
    odd = 'p@ss/w0rd+&<"x">'
    mine = Scrubber.from_env({"APP_PASSWORD": odd})
    for form in (
        odd,
        urllib.parse.quote(odd, safe=""),
        json.dumps(odd)[1:-1],
        html.escape(odd),
        b64(odd),
        base64.urlsafe_b64encode(odd.encode()).decode().rstrip("="),
    ):
        assert odd not in mine.text(f"[{form}]")
        assert mine.text(f"[{form}]") == f"[{MASK}]", form


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
def test_a_secret_inside_a_longer_base64_string_is_removed(scrubber: Scrubber, prefix: str) -> None:
    blob = b64(f"{prefix}{SECRET}:and more")
    scrubbed = scrubber.text(blob)
    assert MASK in scrubbed
    # What is left cannot be decoded back to the secret, at any alignment.
    for start in range(4):
        rest = scrubbed.replace(MASK, "")[start:]
        decoded = base64.b64decode(rest[: len(rest) // 4 * 4] + "", validate=False)
        assert SECRET.encode() not in decoded
        assert SECRET[:8].encode() not in decoded


def test_the_basic_pair_of_the_langfuse_keys_is_removed_whole(scrubber: Scrubber) -> None:
    pair = b64(f"{PUBLIC}:{LF_SECRET}")
    assert scrubber.text(f"sent {pair} to the server") == f"sent {MASK} to the server"
    assert scrubber.text(f"Authorization: Basic {pair}") == f"Authorization: {MASK}"


def test_credential_headers_are_removed_whoever_they_belong_to() -> None:
    nobody = Scrubber.from_env({})
    foreign = b64("someone:else-entirely")
    assert nobody.text("Authorization: Bearer abcdef123456\nnext") == f"Authorization: {MASK}\nnext"
    assert nobody.text(f"proxy-authorization=Basic {foreign}") == f"proxy-authorization={MASK}"
    assert nobody.text(f"sent Basic {foreign} then") == f"sent Basic {MASK} then"
    assert nobody.text("sent bearer ghp_abcdefghijkl then") == f"sent bearer {MASK} then"
    assert nobody.text("X-Api-Key: 123456789, next") == f"X-Api-Key: {MASK}, next"
    echoed = json.dumps({"Authorization": "Bearer abc123456789", "Cookie": "s=1", "Accept": "*/*"})
    scrubbed = nobody.text(echoed)
    assert json.loads(scrubbed) == {"Authorization": MASK, "Cookie": MASK, "Accept": "*/*"}


def test_scrubbed_json_and_xml_stay_valid(scrubber: Scrubber) -> None:
    inner = json.dumps({"authorization": f'Bearer {SECRET}"quoted\\', "x": [SECRET, b64(SECRET)]})
    outer = json.dumps({"message": f"request headers: {inner}", "key": SECRET})
    value = json.loads(scrubber.text(outer))
    assert SECRET not in json.dumps(value)
    assert value["key"] == MASK
    assert json.loads(value["message"].removeprefix("request headers: "))["x"] == [MASK, MASK]
    xml = f'<a b="Authorization: {html.escape(SECRET)}&amp;x">Bearer {SECRET} &lt;</a>'
    assert scrubber.text(xml) == f'<a b="Authorization: {MASK}&amp;x">Bearer {MASK} &lt;</a>'


def test_values_are_scrubbed_in_nested_json_values(scrubber: Scrubber) -> None:
    found = scrubber.value({"a": [SECRET, 1, None, {SECRET: (SECRET,)}], "b": 2.5})
    assert found == {"a": [MASK, 1, None, {MASK: [MASK]}], "b": 2.5}


def test_a_reply_is_scrubbed_before_it_is_cut(scrubber: Scrubber) -> None:
    text = "x" * 290 + SECRET + "y" * 100
    shown = scrubber.reply(text)
    assert len(shown) == scrub.REPLY_LIMIT
    assert shown.endswith("…")
    assert SECRET[:4] not in shown
    assert MASK in shown


def test_the_process_scrubber_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    value = "late-loaded-token-value"
    assert scrub.text(value) == value
    monkeypatch.setenv("LATE_SERVICE_TOKEN", value)  # as a .env loader in a task module would
    assert scrub.text(f"got {value}") == f"got {MASK}"
    monkeypatch.delenv("LATE_SERVICE_TOKEN")
    assert scrub.text(value) == value
    assert scrub.current() is scrub.for_env(os.environ)
    assert scrub.for_env({"EXTRA_TOKEN": "only-in-this-env"}).text("only-in-this-env") == MASK


def test_secret_names() -> None:
    secret = ["OPENAI_API_KEY", "gh_token", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD", "NPM_PAT"]
    plain = ["HOME", "KEYBOARD", "TOKENIZERS_PARALLELISM", "OPENAI_BASE_URL", "PATH"]
    assert [scrub.is_secret_name(n) for n in secret] == [True] * len(secret)
    assert [scrub.is_secret_name(n) for n in plain] == [False] * len(plain)
