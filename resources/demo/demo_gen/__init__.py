"""Hand-written sources for the demo project; `make_demo.py` turns them into files.

Split by subject (items per domain, rubrics, simulated labels, YAML writing,
validation) so each module stays small. Standard library only.
"""
