"""The outcomes page: the funnel with the rates beside it (each over its denominator
in words), the rates by cohort over time (by quarter or year, the last N), medians,
ladder progression, dropout reasons, costs per programme and a breakdown by any
dimension; every figure with its definition (``metrics.DEFINITIONS``, in the page's
language), every code by its label. What a reader sees follows their role
(``OutcomeScope``): evaluators every organisation's figures under disclosure
control, as of a month's end; staff their own organisation's; auditors and admins
every figure. The outcome view's generation, and a rebuild with its progress (which
evaluators and admins start here), are shown too."""

from fastapi import APIRouter

from interfaces.web.pages.outcomes import downloads
from interfaces.web.pages.outcomes import page

router = APIRouter()
router.include_router(page.router)
router.include_router(downloads.router)
