"""The report's own user error: a bad argument (year, language, figure format) — printed by the CLI without a
traceback, exit 2, like every :class:`zhishu.ZhishuError`."""

import zhishu


class ReportError(zhishu.ZhishuError):
    """A report cannot be made as asked; the message says why and how to fix it."""
