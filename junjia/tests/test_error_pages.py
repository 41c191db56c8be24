"""A refusal (403) and a page not found (404) are plain Chinese pages in the site's layout,
with the reason given by the rule that refused, and a way back — never Django's bare English
"403 Forbidden" or "Not Found"."""

import pytest
from django.urls import reverse

from junjia.orgs.tests.helpers import login_as
from junjia.visits import errors

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_in_chinese_inside_the_layout(client, personas):
    login_as(client, personas.clerk_a)
    response = client.get(reverse("visits:campaign_new"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>无权办理</h1>" in page and errors.NOT_CAMPAIGN_MAKER in page
    assert "回到工作台" in page and 'name="viewport"' in page
    assert "Forbidden" not in page


def test_a_page_not_found_is_plain_chinese(client, personas):
    login_as(client, personas.clerk_a)
    response = client.get("/visits/campaigns/987654/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>未找到</h1>" in page and "不在您的辖区内" in page and "回到工作台" in page
    assert "Not Found" not in page
    anonymous = client.__class__().get("/no-such-page/")
    assert anonymous.status_code == 404 and "回到首页" in anonymous.content.decode()
