"""Root URL configuration."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from junjia.cases import urls as cases_urls
from junjia.core.views.api_errors import api_not_found
from junjia.core.views.health import healthz
from junjia.orgs.views.home import home as workbench
from junjia.portal.views import home as public_home
from junjia.staffing import urls as staffing_urls


def site_root(request):
    """The site's address shows visitors the public pages, which link to the staff log-in;
    signed-in staff get their workbench (工作台) there, as before."""
    if request.user.is_authenticated:
        return workbench(request)
    return public_home(request)


api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("junjia.orgs.rest")),
    path("", include("junjia.registry.rest")),
    path("", include("junjia.cases.rest")),
    path("", include("junjia.visits.rest")),
    path("", include("junjia.assessment.rest")),
    path("", include("junjia.petitions.rest")),
    re_path(r"^", api_not_found),  # last: JSON for any other path, a newline in it too
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("junjia.orgs.auth_urls")),
    path("security/", include("junjia.orgs.security_urls")),
    path("calendar/", include("junjia.core.workdays.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("registry/", include("junjia.registry.urls")),
    # The staffing pages (windows and AB roles, leave, lunch duty) keep the addresses and
    # names they had as pages of cases: /cases/rota/, cases:rota …
    path(
        "cases/",
        include(([*cases_urls.urlpatterns, *staffing_urls.urlpatterns], cases_urls.app_name)),
    ),
    path("visits/", include("junjia.visits.urls")),
    path("assessment/", include("junjia.assessment.urls")),
    path("petitions/", include("junjia.petitions.urls")),
    path("public/", include("junjia.portal.urls")),
    # Before orgs' own "" (orgs:home, which still reverses to "/" for links and log-in).
    path("", site_root, name="site_root"),
    path("", include("junjia.orgs.urls")),
]
