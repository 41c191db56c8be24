"""Recording a visit on a phone (issue 13 "Recording a visit, on a phone"): photos and the
recipient's signature through the API (multipart, as the phone sends a record kept
offline) and the page form, once per idempotency key; type, size and count refused with a
message naming the field; the images served only within reach and audited; 未签收 shown;
the service worker and the phone's list."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time
from PIL import Image

from junjia.core.models import AuditEntry
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.visits import errors
from junjia.visits.choices import MemberState
from junjia.visits.models import Visit, VisitPhoto
from junjia.visits.tests.test_campaigns import create, members

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 2, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW + dt.timedelta(hours=2)):
        yield


def image(name="photo.jpg", kind="JPEG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, kind)
    content_type = "image/png" if kind == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def body(person, **kw) -> dict:
    return {
        "recipient": person.pk,
        "visited_at": "2027-02-08T09:30",
        "how": "home",
        "met": "本人",
        "volunteer_visitors": "志愿者甲",
        "money_fen": "50000",
        "budget_line": "春节慰问经费",
    } | kw


def token(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_token_key(user)}"}


def test_the_phone_sends_a_visit_with_photos_and_signature_once(
    client, people, personas, django_capture_on_commit_callbacks
):
    # Given the Spring Festival campaign holding village A's pensioner
    spring = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    wang = people["pensioner_a"]
    member = members(spring)["王抚恤"]
    url = reverse("api:visit-list")
    key = {"HTTP_IDEMPOTENCY_KEY": "3f2a-offline-1"}

    def send():
        data = body(wang, member=str(member.pk), visitors=[str(personas.clerk_a.pk)])
        data |= {
            "photos": [image("王抚恤-1.jpg"), image("p2.png", "PNG")],
            "signature": image("signature.png", "PNG", (300, 120)),
        }
        return client.post(url, data, **token(personas.clerk_a), **key)

    # When the phone sends the record kept offline (multipart), and sends it again
    made = send()
    again = send()

    # Then one visit holds both photos (in order, under random names) and the signature
    assert made.status_code == 201, made.content
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    visit = Visit.objects.get()
    photos = list(visit.photos.all())
    assert [p.order for p in photos] == [1, 2]
    assert photos[0].image.name.startswith("visits/photos/2027/02/")
    assert "王抚恤" not in photos[0].image.name and photos[1].image.name.endswith(".png")
    with photos[0].image.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"
    assert visit.signature.name.startswith("visits/signatures/2027/02/")
    assert visit.is_signed and not visit.signed_form_photo
    assert [u.pk for u in visit.visitors.all()] == [personas.clerk_a.pk]
    assert VisitPhoto.objects.count() == 2
    out = made.json()
    assert out["signed"] is True and out["signed_form_photo_url"] is None
    assert out["photos"] == [
        reverse("visits:visit_photo", kwargs={"pk": visit.pk, "photo": p.pk}) for p in photos
    ]
    member.refresh_from_db()
    assert member.visit_state == MemberState.VISITED
    row = AuditEntry.objects.get(object_type="visits.visit", action="create")
    assert (row.extra["photos"], row.extra["signed"]) == (2, True)


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        (
            {"photos": [image(), SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")]},
            "photos",
            errors.PHOTO_NOT_IMAGE.format(n=2),
        ),
        (
            {"photos": [image(f"{n}.jpg") for n in range(10)]},
            "photos",
            errors.TOO_MANY_PHOTOS.format(limit=9),
        ),
        (
            {"signature": SimpleUploadedFile("s.png", b"GIF89a....", "image/gif")},
            "signature",
            errors.SIGNATURE_NOT_IMAGE.format(label="签收签名", verb="签名"),
        ),
        (
            {"signed_form_photo": SimpleUploadedFile("f.pdf", b"%PDF-1.4", "application/pdf")},
            "signed_form_photo",
            errors.SIGNATURE_NOT_IMAGE.format(label="签收单照片", verb="拍摄"),
        ),
    ],
)
def test_bad_files_are_refused_naming_the_field(client, people, personas, files, field, message):
    wang = people["pensioner_a"]
    answer = client.post(reverse("api:visit-list"), body(wang) | files, **token(personas.clerk_a))
    assert answer.status_code == 400
    assert answer.json() == {field: [message]}
    assert Visit.objects.count() == 0 and VisitPhoto.objects.count() == 0


def test_a_photo_too_large_is_refused(people, personas, monkeypatch):
    from junjia.visits import recording

    monkeypatch.setattr(recording, "MAX_PHOTO_MB", 0)
    data = recording.VisitInput(
        visited_at=NOW, how="home", met="本人", volunteer_visitors="甲", photos=[image()]
    )
    with pytest.raises(recording.InvalidInput) as refused:
        recording.visit_record(actor=personas.clerk_a, recipient=people["pensioner_a"], data=data)
    assert str(refused.value) == errors.PHOTO_TOO_LARGE.format(n=1, mb=0)
    assert refused.value.field == "photos"
    assert Visit.objects.count() == 0


def test_the_page_form_takes_photos_and_a_signed_form(client, people, personas):
    """Without the page's script the form posts the photos as they are."""
    wang = people["pensioner_a"]
    login_as(client, personas.clerk_a)
    url = reverse("visits:visit_new", kwargs={"recipient": wang.pk})
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    assert 'id="signature-pad"' in page
    data = {
        "visited_at": "2027-02-08T09:30",
        "how": "home",
        "met": "本人",
        "visitors": [personas.clerk_a.pk],
        "money": "200",
        "budget_line": "春节慰问经费",
        "client_key": "page-photo-1",
    }
    bad = client.post(url, data | {"photos": [SimpleUploadedFile("a.jpg", b"xx", "image/jpeg")]})
    assert bad.status_code == 200
    assert errors.PHOTO_NOT_IMAGE.format(n=1) in bad.content.decode()
    assert Visit.objects.count() == 0
    done = client.post(
        url, data | {"photos": [image(), image("b.jpg")], "signed_form_photo": image("form.jpg")}
    )
    visit = Visit.objects.get()
    assert done.status_code == 302
    assert visit.photos.count() == 2 and visit.signed_form_photo and not visit.signature
    detail = client.get(done["Location"]).content.decode()
    assert "已签收" in detail and "照片（2）" in detail


def test_comfort_without_signature_is_recorded_and_shown_unsigned(client, people, personas):
    wang = people["pensioner_a"]
    made = client.post(reverse("api:visit-list"), body(wang), **token(personas.clerk_a))
    assert made.status_code == 201 and made.json()["signed"] is False
    login_as(client, personas.clerk_a)
    page = client.get(
        reverse("visits:visit_detail", kwargs={"pk": made.json()["id"]}), {"recorded": "1"}
    )
    text = page.content.decode()
    assert '<span class="badge bad">未签收</span>' in text
    assert "慰问未签收，请补拍签收单" in text  # the message after sending from the phone


def test_images_are_served_within_reach_only_and_audited(client, people, personas):
    wang = people["pensioner_a"]
    made = client.post(
        reverse("api:visit-list"),
        body(wang) | {"photos": [image()], "signature": image("s.png", "PNG")},
        **token(personas.clerk_a),
    )
    visit = Visit.objects.get(pk=made.json()["id"])
    photo = reverse("visits:visit_photo", kwargs={"pk": visit.pk, "photo": visit.photos.get().pk})
    sign = reverse("visits:visit_signature", kwargs={"pk": visit.pk, "which": "signature"})
    form = reverse("visits:visit_signature", kwargs={"pk": visit.pk, "which": "signed_form_photo"})
    login_as(client, personas.clerk_a)
    before = AuditEntry.objects.filter(action="view").count()
    shown = client.get(photo)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "private, no-store"
    assert b"".join(shown.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(sign)["Content-Type"] == "image/png"
    assert client.get(form).status_code == 404  # none taken
    views = AuditEntry.objects.filter(action="view").order_by("pk")[before:]
    assert [v.extra["file"] for v in views] == ["photo", "signature"]
    # village B's clerk and an anonymous visitor get nothing
    login_as(client, personas.clerk_b)
    assert client.get(photo).status_code == 404
    assert client.get(sign).status_code == 404
    client.logout()
    assert client.get(photo).status_code == 302


def test_the_service_worker_and_the_phone_list(client, personas):
    sw = client.get(reverse("visits:service_worker"))
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    text = sw.content.decode()
    assert "/static/vendor/signature_pad/signature_pad.umd.min.js" in text
    assert '"/visits/offline/"' in text
    login_as(client, personas.clerk_a)
    page = client.get(reverse("visits:offline")).content.decode()
    assert "未发送的走访记录" in page and "立即发送" in page
    login_as(client, personas.leader_county)  # no visits.record
    assert client.get(reverse("visits:offline")).status_code == 403


def test_member_list_marks_its_forms_for_offline_use(
    client, people, personas, django_capture_on_commit_callbacks
):
    spring = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    login_as(client, personas.clerk_a)
    member = members(spring)["王抚恤"]
    page = client.get(
        reverse("visits:campaign_detail", kwargs={"pk": spring.pk}),
        {"station": member.station_key},
    ).content.decode()
    form = reverse("visits:visit_new_member", kwargs={"pk": spring.pk, "member": member.pk})
    assert f'href="{form}" data-offline="1"' in page
    assert "保存到手机离线使用" in page
