"""Staff pages of the registry: search, files and profile, review, re-verification,
transfers and ledgers (the Excel pages are in views/excel.py)."""

from django.urls import path

from junjia.core.navigation import NavItem, register
from junjia.registry import roles

from . import files, profile, queues, search

urlpatterns = [
    path("recipients/", search.recipient_list, name="recipient_list"),
    path("new/", files.recipient_create, name="recipient_create"),
    path("new/preview/", files.recipient_preview, name="recipient_preview"),
    path("recipients/<int:pk>/", profile.recipient_detail, name="recipient_detail"),
    path(
        "recipients/<int:pk>/reveal/<str:field>/",
        profile.recipient_reveal,
        name="recipient_reveal",
    ),
    path("recipients/<int:pk>/sections/<str:key>/", profile.section_edit, name="section_edit"),
    path("recipients/<int:pk>/lists/<str:key>/", profile.list_edit, name="list_edit"),
    path("recipients/<int:pk>/submit/", profile.recipient_submit, name="recipient_submit"),
    path("recipients/<int:pk>/withdraw/", profile.recipient_withdraw, name="recipient_withdraw"),
    path("recipients/<int:pk>/approve/", profile.recipient_approve, name="recipient_approve"),
    path("recipients/<int:pk>/return/", profile.recipient_return, name="recipient_return"),
    path("recipients/<int:pk>/verify/", profile.recipient_verify, name="recipient_verify"),
    path("recipients/<int:pk>/deceased/", profile.recipient_deceased, name="recipient_deceased"),
    path("recipients/<int:pk>/change/submit/", profile.change_submit, name="change_submit"),
    path("recipients/<int:pk>/change/withdraw/", profile.change_withdraw, name="change_withdraw"),
    path("recipients/<int:pk>/documents/", profile.document_upload, name="document_upload"),
    path(
        "recipients/<int:pk>/documents/<int:doc_pk>/",
        profile.document_file,
        name="document_file",
    ),
    path(
        "recipients/<int:pk>/documents/<int:doc_pk>/delete/",
        profile.document_delete,
        name="document_delete",
    ),
    path("recipients/<int:pk>/card/", profile.recipient_card, name="recipient_card"),
    path("review/", queues.review_queue, name="review_queue"),
    path("reverification/", queues.reverification, name="reverification"),
    path("transfers/", queues.transfer_list, name="transfer_list"),
    path("transfers/new/", files.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/decide/", queues.transfer_decide, name="transfer_decide"),
    path("transfers/<int:pk>/cancel/", queues.transfer_cancel, name="transfer_cancel"),
    path("ledgers/", search.ledger_list, name="ledger_list"),
    path("ledgers/save/", search.ledger_save, name="ledger_save"),
    path("ledgers/<int:pk>/", search.ledger_open, name="ledger_open"),
    path("ledgers/<int:pk>/delete/", search.ledger_delete, name="ledger_delete"),
]

register(
    NavItem("服务对象", "档案查询", "registry:recipient_list", roles.VIEW, order=20),
    NavItem("服务对象", "新建档案", "registry:recipient_create", roles.EDIT, order=21),
    NavItem("服务对象", "待我审核", "registry:review_queue", roles.REVIEW, order=22),
    NavItem("服务对象", "定期核实", "registry:reverification", roles.EDIT, order=23),
    # Clerks ask for transfers; reviewers decide them from 待我审核, which links here.
    NavItem("服务对象", "档案转移", "registry:transfer_list", roles.TRANSFER, order=24),
    NavItem("服务对象", "台账", "registry:ledger_list", roles.VIEW, order=25),
)
