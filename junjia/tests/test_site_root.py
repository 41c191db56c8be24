"""The site's address: visitors see the public pages with a link to the staff log-in
(never the log-in page itself); signed-in staff reach their workbench there and from the
public pages."""

import pytest

from junjia.orgs.tests.helpers import login_as

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_the_public_home_with_the_staff_log_in_link(client, tree):
    response = client.get("/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>退役军人服务</h1>" in body
    assert '<a class="p-staff" href="/accounts/login/">工作人员登录</a>' in body
    assert 'href="/public/book/"' in body and 'href="/public/progress/"' in body


def test_signed_in_staff_get_their_workbench_at_the_root(client, personas):
    login_as(client, personas.clerk_a)

    response = client.get("/")

    assert response.status_code == 200
    assert "<h1>工作台</h1>" in response.content.decode()


def test_the_public_pages_lead_signed_in_staff_to_their_workbench(client, personas):
    login_as(client, personas.clerk_a)

    body = client.get("/public/").content.decode()

    assert '<a class="p-staff" href="/">进入工作台</a>' in body
    assert "工作人员登录" not in body
