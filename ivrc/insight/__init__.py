"""Insight: diagrams, traffic replayed onto a flow, reports and their pages, coverage, the
semantic diff, and the output formats of findings. It may import running flows, the build,
the checks and the language."""
