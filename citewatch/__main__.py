"""`python -m citewatch`: the same as the `citewatch` command."""

from citewatch.cli import main

main()
