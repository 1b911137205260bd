"""Quality evaluation on labelled data that ships with the repo (``data/eval/``).

One module per stage (``extraction``, ``entities``, ``topics``), each with an
``evaluate(...)`` function returning frames and a ``main`` wired into ``newsdesk eval``.
Shared scoring lives in ``metrics``.
"""
