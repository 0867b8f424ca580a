"""With keys in the environment and several app hosts, `rotate-keys --generate` prints a new key
and the one order that loses nothing (decrypt-only everywhere, then encrypt, then re-encrypt, then
retire), and docs/deploy.md gives that same order."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.fernet import Fernet
from flask.testing import FlaskCliRunner
from helpers.guide import section

ROOT = Path(__file__).resolve().parent.parent
# The words that mark each step, in the one safe order.
ORDER = ("SECOND", "FIRST", "`rotate-keys`", "remove")


def positions(text: str, words: tuple[str, ...]) -> list[int]:
    found = [text.find(word) for word in words]
    assert all(at >= 0 for at in found), dict(zip(words, found, strict=True))
    return found


def test_generate_prints_a_key_then_the_steps_in_the_one_safe_order(
    runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["rotate-keys", "--generate"])

    assert result.exit_code == 0, result.output
    Fernet(result.stdout.strip())  # stdout is the key alone, ready for keys.env
    steps = result.stderr
    assert positions(steps, ORDER) == sorted(positions(steps, ORDER))
    assert re.search(r"1\. Decrypt-only everywhere: add this key SECOND", steps)
    assert "every application host" in steps


def test_the_guide_rotates_keys_in_the_order_the_command_prints() -> None:
    guide = section(
        (ROOT / "docs" / "deploy.md").read_text(),
        "11. Rotating the data keys, with several app hosts",
    )
    steps = re.findall(r"^\d\. \*\*(.+?)\*\*", guide, re.M)
    assert steps == [
        "Decrypt-only everywhere.",
        "Encrypt with it.",
        "Re-encrypt.",
        "Retire the old key.",
    ]
    words = ("**second**", "**first**", "`portal-manage rotate-keys`", "Remove it")
    assert positions(guide, words) == sorted(positions(guide, words))
    # The README points to the guide for keys in the environment, never to another order.
    readme = (ROOT / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith("| `rotate-keys")]
    assert "docs/deploy.md" in row and "one safe order" in row
