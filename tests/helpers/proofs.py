"""The proof of work as the form's own script, or a bot, solves it."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

from altcha.v1 import solve_challenge
from flask.testing import FlaskClient

PROOF_RE = re.compile(r'data-proof="([^"]+)"')


def challenge_on(client: FlaskClient, path: str = "/fr/") -> dict[str, Any]:
    found = PROOF_RE.search(client.get(path).get_data(as_text=True))
    assert found, "the form carries a challenge for its script"
    task: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return task


def solve(task: dict[str, Any]) -> str:
    """What the page's script puts in the form once it found the number."""
    solution = solve_challenge(
        task["challenge"], task["salt"], task["algorithm"], task["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": task["algorithm"],
        "challenge": task["challenge"],
        "number": solution.number,
        "salt": task["salt"],
        "signature": task["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()
