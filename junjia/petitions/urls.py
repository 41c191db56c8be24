"""Staff pages of petitions under /petitions/."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import roles, views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_new, name="new"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/act/", views.petition_act, name="act"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]

register(NavItem("权益维护", "信访件", "petitions:list", roles.VIEW, order=70))
register(NavItem("权益维护", "登记信访", "petitions:new", roles.HANDLE, order=71))
