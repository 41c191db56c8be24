"""Staff pages of the registry: files and review (views/pages.py), Excel in and out
(views/excel.py)."""

from .views import excel, pages

app_name = "registry"

urlpatterns = [*pages.urlpatterns, *excel.urlpatterns]
