"""The judged relevance set (a package, so that `benchmarks.relevance.check` stays importable
beside the script benchmarks/relevance.py, which a namespace package would lose to)."""
