"""REST API of the registry under /api/v1/: recipient files (search, detail, registration,
sections and lists, collection and review, change requests), reveal, counts and transfers.

The same selectors, services, forms, scoping, masking and audit as the pages: a view fetches
through the jurisdiction helpers (404 outside), validates with the pages' forms, calls one
service or selector, and answers with masked values only.
"""

from django.urls import path

from .files import (
    RecipientCategories,
    RecipientDetail,
    RecipientFamily,
    RecipientHonours,
    RecipientListCreate,
    RecipientPlan,
    RecipientReveal,
    RecipientSection,
)
from .review import (
    CategoryCounts,
    ChangeApprove,
    ChangeReturn,
    ChangeSubmit,
    ChangeWithdraw,
    RecipientApprove,
    RecipientReturn,
    RecipientSubmit,
    RecipientWithdraw,
    ReviewQueue,
)
from .serializers import RecipientRowOut
from .transfers import TransferDecide, TransferListCreate

__all__ = ["RecipientRowOut", "urlpatterns"]


def _recipient(suffix: str, view, name: str):
    return path(f"recipients/<int:pk>/{suffix}", view.as_view(), name=name)


urlpatterns = [
    path("recipients/", RecipientListCreate.as_view(), name="recipient-list"),
    path("recipients/review-queue/", ReviewQueue.as_view(), name="recipient-review-queue"),
    path("recipients/counts/", CategoryCounts.as_view(), name="recipient-counts"),
    _recipient("", RecipientDetail, "recipient-detail"),
    _recipient("reveal/", RecipientReveal, "recipient-reveal"),
    path(
        "recipients/<int:pk>/sections/<str:key>/",
        RecipientSection.as_view(),
        name="recipient-section",
    ),
    _recipient("categories/", RecipientCategories, "recipient-categories"),
    _recipient("honours/", RecipientHonours, "recipient-honours"),
    _recipient("family/", RecipientFamily, "recipient-family"),
    _recipient("plan/", RecipientPlan, "recipient-plan"),
    _recipient("submit/", RecipientSubmit, "recipient-submit"),
    _recipient("approve/", RecipientApprove, "recipient-approve"),
    _recipient("return/", RecipientReturn, "recipient-return"),
    _recipient("withdraw/", RecipientWithdraw, "recipient-withdraw"),
    _recipient("change/submit/", ChangeSubmit, "recipient-change-submit"),
    _recipient("change/approve/", ChangeApprove, "recipient-change-approve"),
    _recipient("change/return/", ChangeReturn, "recipient-change-return"),
    _recipient("change/withdraw/", ChangeWithdraw, "recipient-change-withdraw"),
    path("transfers/", TransferListCreate.as_view(), name="transfer-list"),
    path("transfers/<int:pk>/decide/", TransferDecide.as_view(), name="transfer-decide"),
]
