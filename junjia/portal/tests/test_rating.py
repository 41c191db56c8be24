"""Rating a completed case through its signed link (000 §9): no log-in, one evaluation per
case, a rating below 满意 opens the closed loop, a forged or altered link rates nothing."""

import pytest
from django.core import signing

from junjia.cases import services as case_services
from junjia.cases.choices import LoopStage, RatingChannel
from junjia.cases.models import Case, Evaluation, RectificationLoop
from junjia.portal import views

pytestmark = pytest.mark.django_db


def link(case, via=""):
    path = "/public/rate/" + case_services.rating_token(case) + "/"
    return path + ("?via=" + via if via else "")


def test_the_rating_page_names_the_case_but_not_the_person(client, completed_case):
    response = client.get(link(completed_case))

    body = response.content.decode()
    assert response.status_code == 200
    assert "优待证申领" in body and "村A退役军人服务站" in body
    assert "王大明" not in body and "13912345678" not in body
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f"<span>{label}</span>" in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_good_rating_is_kept_and_opens_no_loop(client, completed_case):
    url = link(completed_case)

    response = client.post(url, {"score": "5", "comment": "办得很快"})

    assert response.status_code == 302 and response["Location"] == url
    evaluation = Evaluation.objects.get(case=completed_case)
    assert (evaluation.score, evaluation.comment, evaluation.channel) == (
        5,
        "办得很快",
        RatingChannel.QR,
    )
    assert evaluation.entered_by is None
    assert not RectificationLoop.objects.exists()
    assert "已评价，感谢" in client.get(url).content.decode()


def test_a_bad_rating_from_the_sms_link_opens_the_loop(client, completed_case, personas):
    url = link(completed_case, via="sms")

    client.post(url, {"score": "2", "comment": "等候太久"})

    evaluation = Evaluation.objects.get(case=completed_case)
    assert (evaluation.score, evaluation.channel) == (2, RatingChannel.SMS)
    loop = RectificationLoop.objects.get(evaluation=evaluation)
    assert (loop.stage, loop.owner) == (LoopStage.FOUND, personas.head_a)


def test_a_second_rating_is_refused_and_the_first_stands(client, completed_case):
    url = link(completed_case)
    client.post(url, {"score": "5", "comment": ""})

    response = client.post(url, {"score": "1", "comment": "改主意了"})

    assert response.status_code == 200 and "已评价，感谢" in response.content.decode()
    assert list(Evaluation.objects.values_list("score", "comment")) == [(5, "")]
    assert not RectificationLoop.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "invalid",
        "tampered",
        "forged",
        "other-salt",
    ],
)
def test_an_altered_or_forged_link_rates_nothing(client, completed_case, token):
    real = case_services.rating_token(completed_case)
    token = {
        "invalid": "invalid",
        "tampered": real[:-2] + ("AA" if not real.endswith("AA") else "BB"),
        # a well-formed token for this very case, signed with a key the site does not hold
        "forged": signing.dumps(
            {"case": completed_case.pk, "n": completed_case.number},
            key="x" * 50,
            salt="cases.rating",
        ),
        "other-salt": signing.dumps({"case": completed_case.pk, "n": completed_case.number}),
    }[token]

    get = client.get(f"/public/rate/{token}/")
    post = client.post(f"/public/rate/{token}/", {"score": "1", "comment": "x"})

    for response in (get, post):
        assert response.status_code == 404
        assert views.LINK_INVALID in response.content.decode()
        assert "优待证申领" not in response.content.decode()
    assert not Evaluation.objects.exists()


def test_a_case_not_yet_completed_cannot_be_rated(client, completed_case):
    Case.objects.filter(pk=completed_case.pk).update(status="in_progress")

    response = client.post(link(completed_case), {"score": "5"})

    assert "办件办结后才能评价。" in response.content.decode()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "没选"}, "请选择您对本次服务的评价。"),
        ({"score": "9"}, "请从五个等级中选择一个。"),
    ],
)
def test_the_score_is_required(client, completed_case, data, message):
    response = client.post(link(completed_case), data)

    assert response.context["form"].errors["score"] == [message]
    assert not Evaluation.objects.exists()


def test_a_long_comment_is_refused_with_a_message(client, completed_case):
    response = client.post(link(completed_case), {"score": "4", "comment": "长" * 1001})

    assert response.context["form"].errors["comment"] == ["意见建议最多 1000 字。"]
    assert not Evaluation.objects.exists()
