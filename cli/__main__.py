"""`python -m cli …` is `bayplan …`."""

from cli.main import main

main()
