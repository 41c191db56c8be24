"""Staff pages of orgs."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from .roles import AUDIT_VIEW, REGION_VIEW, STAFF_VIEW, STATION_VIEW
from .views import audit, home, jobs, regions, staff, stations

app_name = "orgs"

urlpatterns = [
    path("", home.home, name="home"),
    path("regions/", regions.region_tree, name="region_tree"),
    path("regions/import/", regions.region_import, name="region_import"),
    path("regions/import/confirm/", regions.region_import_confirm, name="region_import_confirm"),
    path("regions/import/template.xlsx", regions.import_template, name="region_import_template"),
    path("regions/<str:code>/", regions.region_detail, name="region_detail"),
    path("regions/<str:code>/children/", regions.region_children, name="region_children"),
    path("regions/<str:code>/add/", regions.region_create, name="region_create"),
    path("regions/<str:code>/rename/", regions.region_rename, name="region_rename"),
    path("regions/<str:code>/station/", regions.station_create, name="station_create"),
    path("stations/", stations.station_list, name="station_list"),
    path("stations/<int:pk>/", stations.station_detail, name="station_detail"),
    path("stations/<int:pk>/edit/", stations.station_edit, name="station_edit"),
    path(
        "stations/<int:pk>/publications/",
        stations.station_publications,
        name="station_publications",
    ),
    path("stations/<int:pk>/photos/", stations.station_photos, name="station_photos"),
    path(
        "stations/<int:pk>/photos/<int:photo_pk>/",
        stations.station_photo_file,
        name="station_photo_file",
    ),
    path(
        "stations/<int:pk>/photos/<int:photo_pk>/delete/",
        stations.station_photo_delete,
        name="station_photo_delete",
    ),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/roles/", staff.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/active/", staff.staff_set_active, name="staff_set_active"),
    path("staff/<int:pk>/reset-password/", staff.staff_reset_password, name="staff_reset_password"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    path("jobs/<uuid:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/file/", jobs.job_file, name="job_file"),
]

register(
    NavItem("工作台", "首页", "orgs:home", None, order=1),
    NavItem("组织机构", "行政区划", "orgs:region_tree", REGION_VIEW, order=10),
    NavItem("组织机构", "服务中心（站）", "orgs:station_list", STATION_VIEW, order=11),
    NavItem("组织机构", "工作人员", "orgs:staff_list", STAFF_VIEW, order=12),
    NavItem("系统管理", "审计日志", "orgs:audit_log", AUDIT_VIEW, order=90),
)
