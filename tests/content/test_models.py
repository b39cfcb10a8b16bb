"""A skill's framework link: checked against the framework it names, in the admin's form and every ModelForm."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from content.models import Skill
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ESCO_UUID = "1605025e-a179-421f-8f35-5b07d182a6b2"
ESCO_URL = f"http://data.europa.eu/esco/skill/{ESCO_UUID}"
ONET_URL = "https://www.onetonline.org/link/summary/15-1244.00"


def skill(**fields) -> Skill:
    return Skill(name="Linux", slug="linux", **fields)


def test_an_esco_skill_gets_its_uuid_as_code():
    linux = skill(framework="esco", framework_url=ESCO_URL)
    linux.full_clean()
    assert (linux.framework, linux.framework_url, linux.code) == ("ESCO", ESCO_URL, ESCO_UUID)


def test_an_onet_skill_gets_its_onet_soc_code():
    linux = skill(framework="O*NET", framework_url=ONET_URL)
    linux.full_clean()
    assert (linux.framework, linux.code) == ("O*NET", "15-1244.00")


def test_a_skill_of_no_framework_is_accepted():
    linux = skill()
    linux.full_clean()
    assert (linux.framework, linux.framework_url, linux.code) == ("", "", "")


def test_a_course_page_is_refused_as_an_esco_address():
    with pytest.raises(ValidationError) as error:
        skill(framework="ESCO", framework_url="https://learn.example.org/courses/linux/#skills").full_clean()
    assert "framework_url" in error.value.message_dict


def test_an_onet_address_is_refused_for_an_esco_skill():
    with pytest.raises(ValidationError) as error:
        skill(framework="ESCO", framework_url=ONET_URL).full_clean()
    assert "framework_url" in error.value.message_dict


def test_an_unknown_framework_is_refused():
    with pytest.raises(ValidationError) as error:
        skill(framework="SFIA", framework_url=ONET_URL).full_clean()
    assert "framework" in error.value.message_dict


def test_a_code_that_contradicts_the_address_is_refused():
    with pytest.raises(ValidationError) as error:
        skill(framework="O*NET", framework_url=ONET_URL, code="15-1252.00").full_clean()
    assert "15-1244.00" in error.value.message_dict["code"][0]


def test_the_admin_form_answers_a_bad_address_with_a_message(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    data = {"name": "Linux", "slug": "linux", "framework": "ESCO", "framework_url": ONET_URL, "code": ""}
    response = client.post(reverse("wagtailsnippets_content_skill:add"), data)
    assert response.status_code == 200  # the form again, not a redirect
    assert "Give the skill&#x27;s ESCO address" in response.content.decode()
    assert not Skill.objects.filter(slug="linux").exists()


def test_the_admin_form_saves_a_good_address_with_its_code(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    data = {"name": "Linux", "slug": "linux", "framework": "ESCO", "framework_url": ESCO_URL, "code": ""}
    response = client.post(reverse("wagtailsnippets_content_skill:add"), data)
    assert response.status_code == 302
    assert Skill.objects.get(slug="linux").code == ESCO_UUID
