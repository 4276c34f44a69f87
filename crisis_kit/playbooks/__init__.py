"""Scenario playbooks as data (``<scenario>/``).

Their model (``playbook``) and ``crisis-kit new`` (``scaffold``).
"""
