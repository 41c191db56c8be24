"""Staff pages of cases: work and case handling (views/work.py); appointments, callbacks,
loops and analysis (views/rota.py). junjia/urls.py adds staffing's pages (windows, leave,
lunch duty) to this namespace."""

from .views import rota, work

app_name = "cases"

urlpatterns = [*work.urlpatterns, *rota.urlpatterns]
