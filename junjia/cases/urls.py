"""Staff pages of cases: work and case handling (views/work.py); windows, leave, lunch
duty, appointments, callbacks, loops and analysis (views/rota.py)."""

from .views import rota, work

app_name = "cases"

urlpatterns = [*work.urlpatterns, *rota.urlpatterns]
