"""The app's OpenAPI document as sorted JSON on stdout, for diffing two checkouts' contracts:

    git archive main | tar -x -C /tmp/main && cp bench/openapi_dump.py /tmp/main/bench/
    (cd /tmp/main && PYTHONPATH=. python -m bench.openapi_dump) > main.json
    python -m bench.openapi_dump > branch.json && diff main.json branch.json

(`-m`, not the file's path: bench/ first on sys.path would shadow the simulation package). The app
is made over a throw-away SQLite file with API keys on, as a server runs it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from api.app import create_app


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'openapi.db'}", auth=True)
        print(json.dumps(app.openapi(), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
