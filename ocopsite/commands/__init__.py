"""The command line (``build``, ``check``, ``serve``, ``new``, ``import``, ``export``,
``report``) and what each command does besides building.
"""
