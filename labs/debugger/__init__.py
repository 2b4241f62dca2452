"""The visual debugger: one self-contained HTML page per failing run (lanes, arrows, history)."""

from labs.debugger.page import debug_data_from_chaos, render_debugger, write_debugger

__all__ = ["debug_data_from_chaos", "render_debugger", "write_debugger"]
