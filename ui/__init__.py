"""The Qt (PySide6 widgets) layer: screens that show and ask, calling the core for all work.

Importing this package does not import Qt; `ui.launcher` checks for a display first.
"""
