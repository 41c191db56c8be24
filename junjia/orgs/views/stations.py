"""Station list and profile: signboard, contacts, posts and fill rate, six publications, photos."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core.errors import DomainError
from junjia.core.pages import paginate, query_without_page

from .. import selectors, services
from ..choices import Level, Publication
from ..forms import PhotoForm, PublicationsForm, StationProfileForm
from ..models import StationPhoto
from ..permissions import can_reach, require_capability
from ..roles import STATION_EDIT, STATION_VIEW


@login_required
def station_list(request):
    require_capability(request.user, STATION_VIEW)
    level = request.GET.get("level", "")
    level_value = int(level) if level.isdigit() and int(level) in Level.values else None
    below = request.GET.get("below") == "1"
    q = request.GET.get("q", "").strip()
    page = paginate(
        request, selectors.station_list(request.user, level=level_value, below_standard=below, q=q)
    )
    return render(
        request,
        "orgs/station_list.html",
        {
            "page": page,
            "levels": Level.choices,
            "level": level_value,
            "below": below,
            "q": q,
            "query": query_without_page(request),
        },
    )


def _publications(station) -> list[tuple[str, str]]:
    contents = {p.kind: p.content for p in station.publications.all()}
    return [(label, contents.get(kind, "")) for kind, label in Publication.choices]


@login_required
def station_detail(request, pk):
    station = selectors.get_station_for_actor(request.user, pk)
    return render(
        request,
        "orgs/station_detail.html",
        {
            "station": station,
            "publications": _publications(station),
            "photos": station.photos.all(),
            "can_edit": can_reach(request.user, STATION_EDIT, station.region_key),
            "staff": selectors.staff_queryset(request.user).filter(station=station, is_active=True),
            "staff_count": selectors.active_staff_count(request.user, station=station),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request, pk):
    station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
    form = StationProfileForm(request.POST or None, instance=station)
    if request.method == "POST" and form.is_valid():
        try:
            services.station_update_profile(
                actor=request.user, station=station, data=form.cleaned_data
            )
        except DomainError as exc:  # an InvalidInput names its field
            form.add_error(getattr(exc, "field", None), str(exc))
        else:
            messages.success(request, "站点信息已保存。")
            return redirect("orgs:station_detail", pk=station.pk)
    # The form mutates its instance while validating; re-read for the page heading.
    station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
    return render(
        request,
        "orgs/station_edit.html",
        {"station": station, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_publications(request, pk):
    station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
    contents = {p.kind: p.content for p in station.publications.all()}
    form = PublicationsForm(request.POST or None, initial_contents=contents)
    if request.method == "POST" and form.is_valid():
        services.station_set_publications(
            actor=request.user, station=station, contents=form.cleaned_data
        )
        messages.success(request, "六公示内容已保存。")
        return redirect("orgs:station_detail", pk=station.pk)
    return render(request, "orgs/station_publications.html", {"station": station, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def station_photos(request, pk):
    station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.station_add_photo(
            actor=request.user,
            station=station,
            image=form.cleaned_data["image"],
            caption=form.cleaned_data["caption"],
        )
        messages.success(request, "照片已上传。")
        return redirect("orgs:station_photos", pk=station.pk)
    return render(
        request,
        "orgs/station_photos.html",
        {"station": station, "form": form, "photos": station.photos.all()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def station_photo_delete(request, pk, photo_pk):
    station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
    photo = get_object_or_404(StationPhoto, pk=photo_pk, station=station)
    services.station_remove_photo(actor=request.user, photo=photo)
    messages.success(request, "照片已删除。")
    return redirect("orgs:station_photos", pk=station.pk)


@login_required
def station_photo_file(request, pk, photo_pk):
    """Photos are served through the scope check, never from a public media URL."""
    from django.http import FileResponse

    station = selectors.get_station_for_actor(request.user, pk)
    photo = get_object_or_404(StationPhoto, pk=photo_pk, station=station)
    return FileResponse(photo.image.open("rb"), content_type=_image_type(photo.image.name))


def _image_type(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".png"):
        return "image/png"
    if lower.endswith(".gif"):
        return "image/gif"
    if lower.endswith(".webp"):
        return "image/webp"
    return "image/jpeg"
