"""The public pages and documents: verification page, JSON, DID documents, status lists, OB2, wallet."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from badges.artifacts import unbake_png
from badges.services import award_issue, award_revoke
from badges.views import LOOKUPS_PER_WINDOW
from tests.badges.conftest import make_achievement
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def award(issuer, achievement, learner):
    return award_issue(learner=learner, achievement=achievement)


def test_the_verification_page_shows_the_badge_and_its_live_status(client, award):
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert "Linux for the Cloud" in page
    assert "Stackable Academy" in page
    assert "Valid" in page
    assert "Skill of Linux for the Cloud" in page
    assert award.code in page
    assert '<svg viewBox="0 0' in page and "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f'<meta property="og:url" content="{award.url}">' in page
    assert "Lea Learner" not in page  # hidden until the learner chooses to show it


def test_the_learners_name_shows_once_they_make_it_public(client, award, learner):
    client.force_login(learner)
    client.post(f"/dashboard/badges/{award.code}/privacy/", {"public": "1"})
    client.logout()
    assert "Awarded to Lea Learner" in client.get(f"/credentials/{award.code}/").content.decode()


def test_the_verification_page_runs_one_query(client, award, django_assert_num_queries):
    client.get(f"/credentials/{award.code}/")
    with django_assert_num_queries(1):
        response = client.get(f"/credentials/{award.code}/")
    assert response.status_code == 200


def forget_every_credential() -> None:
    """What the page memoises per credential, forgotten: the next request is a credential never shown before."""
    from badges import artifacts, selectors, views

    for memo in (views._credential_fixed_parts, selectors.credential_facts, artifacts.qr_svg):
        memo.cache_clear()


def test_a_credential_never_shown_before_runs_one_query_too(client, award, django_assert_num_queries):
    forget_every_credential()
    with django_assert_num_queries(1):
        response = client.get(f"/credentials/{award.code}/")
    assert response.status_code == 200
    assert award.code in response.content.decode()


def test_the_qr_code_keeps_its_fixed_mask_and_segnos_size(award):
    import segno

    from badges.artifacts import QR_MASK, qr_svg

    chosen = segno.make(award.url, error="m")  # segno scoring every mask
    fixed = segno.make(award.url, error="m", mask=QR_MASK)
    assert (fixed.mask, fixed.version, fixed.error) == (QR_MASK, chosen.version, chosen.error)
    svg = qr_svg(award.url, title="QR code of this page")
    assert svg == fixed.svg_inline(scale=4, svgclass="qr-code", omitsize=True, title="QR code of this page")
    assert svg != chosen.svg_inline(scale=4, svgclass="qr-code", omitsize=True, title="QR code of this page") or (
        chosen.mask == QR_MASK
    )


def test_the_criteria_of_a_badge_are_rendered_once_for_all_its_credentials(award):
    from badges.selectors import markdown_html

    markdown_html.cache_clear()
    first = markdown_html("Complete **every** item.")
    assert markdown_html("Complete **every** item.") is first
    assert markdown_html.cache_info().hits == 1
    cleaned = markdown_html("<script>alert(1)</script>[x](javascript:alert(1))")
    assert "<script" not in cleaned and "javascript:" not in cleaned
    assert cleaned.endswith("<p><a>x</a></p>")


def test_the_credential_json_runs_one_query(client, award, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(f"/credentials/{award.code}.json")
    assert response.content.decode() == award.credential_json


def test_a_revocation_shows_at_once_on_a_page_already_seen(client, award):
    assert "Valid" in client.get(f"/credentials/{award.code}/").content.decode()
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Exam fraud")
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert "Revoked" in page and "Exam fraud" in page
    assert "issued by the issuer shown and not revoked" not in page


def test_the_holders_name_shows_at_once_on_a_page_already_seen(client, award, learner):
    assert "Lea Learner" not in client.get(f"/credentials/{award.code}/").content.decode()
    client.force_login(learner)
    client.post(f"/dashboard/badges/{award.code}/privacy/", {"public": "1"})
    client.logout()
    assert "Awarded to Lea Learner" in client.get(f"/credentials/{award.code}/").content.decode()


def test_the_page_of_an_unknown_code_is_not_found_in_html_and_json(client, db):
    assert client.get("/credentials/ABCD-EFGH-JKMN/").status_code == 404
    assert client.get("/credentials/ABCD-EFGH-JKMN.json").status_code == 404
    assert client.get("/credentials/ABCD-EFGH-JKMN/", HTTP_ACCEPT="application/ld+json").status_code == 404


def test_a_revoked_badge_says_revoked_with_the_reason(client, award):
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Exam fraud")
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert "Revoked" in page and "Exam fraud" in page


def test_an_expired_badge_says_expired(client, issuer, learner):
    from datetime import timedelta

    from django.utils import timezone

    award = award_issue(learner=learner, achievement=make_achievement(issuer, validity_days=30))
    award.valid_until = timezone.now() - timedelta(days=1)
    award.save()
    assert "Expired" in client.get(f"/credentials/{award.code}/").content.decode()


def test_the_json_is_served_exactly_as_stored(client, award):
    response = client.get(f"/credentials/{award.code}.json")
    assert response["Content-Type"].startswith("application/ld+json")
    assert response.content.decode() == award.credential_json


def test_the_page_answers_json_ld_by_content_negotiation(client, award):
    response = client.get(f"/credentials/{award.code}/", HTTP_ACCEPT="application/ld+json")
    assert response.content.decode() == award.credential_json
    assert "Accept" in response["Vary"]


def test_a_lower_case_code_redirects_to_the_page(client, award):
    response = client.get(f"/credentials/{award.code.lower()}/")
    assert response.status_code == 301 and response["Location"] == f"/credentials/{award.code}/"


def test_the_linkedin_link_carries_every_parameter(client, issuer, learner):
    award = award_issue(learner=learner, achievement=make_achievement(issuer, name="Linux & Cloud", validity_days=400))
    client.force_login(learner)
    page = client.get("/dashboard/badges/").content.decode()
    assert f'href="/dashboard/badges/{award.code}/linkedin/"' in page
    url = client.get(f"/dashboard/badges/{award.code}/linkedin/")["Location"]
    assert url.startswith("https://www.linkedin.com/profile/add?")
    parts = urlsplit(url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Linux & Cloud",
        "organizationId": "1234567",
        "issueYear": str(award.awarded_at.year),
        "issueMonth": str(award.awarded_at.month),
        "expirationYear": str(award.valid_until.year),
        "expirationMonth": str(award.valid_until.month),
        "certUrl": award.url,
        "certId": award.code,
    }
    assert "name=Linux%20%26%20Cloud" in url
    assert f"certUrl={award.url.replace(':', '%3A').replace('/', '%2F')}" in url
    share = "https://www.linkedin.com/sharing/share-offsite/?url=" + award.url.replace(":", "%3A").replace("/", "%2F")
    assert share in page.replace("&amp;", "&")


def test_linkedin_uses_the_organization_name_without_an_id_and_no_expiry_when_none(issuer, award):
    from badges.selectors import linkedin_add_to_profile_url

    issuer.linkedin_organization_id = ""
    issuer.save()
    award.refresh_from_db()
    params = parse_qs(urlsplit(linkedin_add_to_profile_url(award=award)).query)
    assert params["organizationName"] == ["Stackable Academy"]
    assert "organizationId" not in params and "expirationYear" not in params


def test_the_did_document_lists_the_issuers_keys(client, issuer):
    document = client.get(f"/issuers/{issuer.slug}/did.json").json()
    assert document["id"] == issuer.did
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")


def test_the_status_list_is_signed_and_cached_briefly(client, award):
    response = client.get(f"/status/{award.badge_class.issuer.slug}/1")
    document = json.loads(response.content)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["id"] == award.status_list.url
    assert "max-age=60" in response["Cache-Control"]


def test_ob2_documents_have_their_own_url_as_id_and_link_to_ob3(client, award, issuer, achievement):
    assertion = client.get(f"/ob2/assertions/{award.code}").json()
    assert assertion["@context"] == "https://w3id.org/openbadges/v2"
    assert assertion["type"] == "Assertion"
    assert assertion["id"] == f"http://127.0.0.1:8000/ob2/assertions/{award.code}"
    assert assertion["recipient"] == {
        "type": "email",
        "hashed": True,
        "salt": award.salt,
        "identity": award.identity_hash,
    }
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["issuedOn"] == award.credential["awardedDate"]
    badge = client.get(urlsplit(assertion["badge"]).path).json()
    assert badge["type"] == "BadgeClass" and badge["id"] == assertion["badge"]
    assert badge["related"][0]["id"] == award.credential["credentialSubject"]["achievement"]["id"]
    issuer_doc = client.get(urlsplit(badge["issuer"]).path).json()
    assert issuer_doc["type"] == "Issuer" and issuer_doc["id"] == badge["issuer"]
    ob3_achievement = client.get(urlsplit(badge["related"][0]["id"]).path).json()
    assert ob3_achievement["related"][0]["id"] == badge["id"]


def test_a_revoked_ob2_assertion_answers_410(client, award):
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Exam fraud")
    response = client.get(f"/ob2/assertions/{award.code}")
    assert response.status_code == 410
    assert response.json() == {
        "id": f"http://127.0.0.1:8000/ob2/assertions/{award.code}",
        "revoked": True,
        "revocationReason": "Exam fraud",
    }


def test_looking_up_a_code_leads_to_its_page(client, award):
    response = client.get("/credentials/", {"code": award.code.lower().replace("-", " ")})
    assert response.status_code == 302 and response["Location"] == f"/credentials/{award.code}/"


def test_an_unknown_code_is_clearly_not_found(client, db):
    response = client.get("/credentials/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 404
    assert "No credential has the validation code" in response.content.decode()


def test_lookups_are_rate_limited(client, db):
    for _ in range(LOOKUPS_PER_WINDOW):
        assert client.get("/credentials/", {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 404
    response = client.get("/credentials/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()


def test_a_pasted_credential_is_verified(client, award):
    page = client.post("/credentials/verify/", {"credential": award.credential_json}).content.decode()
    assert "Valid: this credential was issued as shown" in page


# The rate limit's two cache calls are not queries; the issuer and its keys (the DID document), the status list.
PASTED_VERIFY_QUERIES = 7


def test_verifying_a_pasted_credential_runs_a_fixed_number_of_queries(client, award, django_assert_num_queries):
    client.post("/credentials/verify/", {"credential": award.credential_json}, REMOTE_ADDR="192.0.2.1")
    with django_assert_num_queries(PASTED_VERIFY_QUERIES):
        response = client.post("/credentials/verify/", {"credential": award.credential_json}, REMOTE_ADDR="192.0.2.2")
    assert b"badges-report-valid" in response.content


def test_a_tampered_credential_fails_with_the_reason(client, award):
    tampered = award.credential_json.replace("Linux for the Cloud", "Linux Grandmaster")
    page = client.post("/credentials/verify/", {"credential": tampered}).content.decode()
    assert "Not verified" in page and "signature does not match" in page


def test_an_oversized_credential_is_refused(client, db):
    response = client.post("/credentials/verify/", {"credential": "{" + " " * 70_000 + "}"})
    assert response.status_code == 400
    assert "over 64 KB" in response.content.decode()


def test_the_baked_png_round_trips_the_credential(client, award, learner):
    client.force_login(learner)
    response = client.get(f"/dashboard/badges/{award.code}/badge.png")
    assert response["Content-Type"] == "image/png"
    png = response.content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"iTXtopenbadgecredential\x00" in png
    assert unbake_png(png) == award.credential_json
    from io import BytesIO

    from PIL import Image

    Image.open(BytesIO(png)).verify()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        "/credentials/verify/", {"file": SimpleUploadedFile("badge.png", png, content_type="image/png")}
    ).content.decode()
    assert "Valid: this credential was issued as shown" in page


def test_the_certificate_is_a_pdf_with_the_code(client, award, learner):
    client.force_login(learner)
    response = client.get(f"/dashboard/badges/{award.code}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_downloads_are_for_the_learner_only(client, award):
    client.force_login(make_user())
    assert client.get(f"/dashboard/badges/{award.code}/badge.png").status_code == 404
    assert client.get(f"/dashboard/badges/{award.code}/certificate.pdf").status_code == 404


def test_the_course_page_polls_while_the_badge_is_issued_and_then_shows_it(client, issuer, learner):
    from django.utils import timezone

    from badges.models import Award
    from progress.models import Enrolment

    achievement = make_achievement(issuer)
    course = achievement.course
    Enrolment.objects.create(user=learner, course=course, completed_at=timezone.now(), final_grade=100)
    client.force_login(learner)
    page = client.get(course.url).content.decode()
    assert "Issuing your badge" in page and 'hx-trigger="every 2s"' in page
    award = award_issue(learner=learner, achievement=achievement)
    fragment = client.get(f"/dashboard/badges/courses/{course.pk}/badge/").content.decode()
    assert f"/credentials/{award.code}/" in fragment and "hx-trigger" not in fragment
    assert Award.objects.count() == 1


def test_the_criteria_markdown_is_rendered_and_cleaned(client, issuer, learner):
    achievement = make_achievement(issuer)
    achievement.criteria = "Reach the **pass mark**. <script>alert(1)</script>"
    achievement.save()
    award = award_issue(learner=learner, achievement=achievement)
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert "<strong>pass mark</strong>" in page
    assert "<script>alert(1)" not in page


def test_verifications_are_rate_limited(client, db):
    from badges.views import VERIFICATIONS_PER_WINDOW

    for _ in range(VERIFICATIONS_PER_WINDOW):
        client.post("/credentials/verify/", {"credential": "{}"})
    assert client.post("/credentials/verify/", {"credential": "{}"}).status_code == 429


PROXY = "10.0.0.2"


def _lookup_via_proxy(client, forwarded):
    return client.get("/credentials/", {"code": "ZZZZ-ZZZZ-ZZZZ"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_each_client_is_rate_limited_alone(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(LOOKUPS_PER_WINDOW):
        assert _lookup_via_proxy(client, "203.0.113.1").status_code == 404
    assert _lookup_via_proxy(client, "203.0.113.1").status_code == 429
    assert _lookup_via_proxy(client, "203.0.113.2").status_code == 404


def test_without_a_trusted_proxy_x_forwarded_for_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(LOOKUPS_PER_WINDOW):
        assert _lookup_via_proxy(client, f"203.0.113.{number}").status_code == 404
    assert _lookup_via_proxy(client, "203.0.113.250").status_code == 429


def test_a_spoofed_forwarded_address_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(LOOKUPS_PER_WINDOW):
        assert _lookup_via_proxy(client, f"198.51.100.{number}, 203.0.113.1").status_code == 404
    assert _lookup_via_proxy(client, "198.51.100.250, 203.0.113.1").status_code == 429


def test_the_page_says_the_name_is_not_shown_when_the_holder_made_no_choice(client, award):
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert "The holder&#x27;s name is not shown." in page or "The holder's name is not shown." in page
    assert "chose not to show" not in page


def test_the_page_shows_the_badge_image_with_alt_text_and_an_absolute_og_image(client, award, settings):
    page = client.get(f"/credentials/{award.code}/").content.decode()
    image = f"{award.url}badge.png"  # the achievement has no image: the drawn one
    assert image.startswith(("http://", "https://"))
    assert f'<meta property="og:image" content="{image}">' in page
    assert '<meta property="og:image:alt" content="Badge: Linux for the Cloud">' in page
    assert '<meta property="og:title" content="Linux for the Cloud · Stackable Academy">' in page
    assert '<meta property="og:description"' in page and '<meta name="twitter:card" content="summary">' in page
    src = f"/credentials/{award.code}/badge.png"  # from this site, as the content security policy wants
    assert f'<img class="badges-image" src="{src}" alt="Badge: Linux for the Cloud"' in page


def test_the_drawn_badge_image_is_a_png_anyone_may_fetch(client, award):
    response = client.get(f"/credentials/{award.code}/badge.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and unbake_png(response.content) is None


def test_the_badge_image_of_an_unknown_code_is_not_found(client, db):
    assert client.get("/credentials/AAAA-BBBB-CCCC/badge.png").status_code == 404


@pytest.mark.parametrize("action", ["badge.png", "certificate.pdf", "linkedin/"])
def test_a_revoked_badge_can_no_longer_be_downloaded_or_shared(client, award, learner, action):
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Plagiarism")
    client.force_login(learner)
    response = client.get(f"/dashboard/badges/{award.code}/{action}")
    assert response.status_code == 410
    body = response.content.decode()
    assert "This badge was revoked" in body and "Plagiarism" in body


def test_the_linkedin_link_of_another_learners_badge_is_not_found(client, award):
    client.force_login(make_user())
    assert client.get(f"/dashboard/badges/{award.code}/linkedin/").status_code == 404


def test_the_wallet_marks_a_revoked_badge_and_offers_no_sharing(client, award, learner):
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Plagiarism")
    client.force_login(learner)
    page = client.get("/dashboard/badges/").content.decode()
    item = page.split('<li class="badges-wallet-item">', 1)[1]
    assert "Revoked" in item and "Plagiarism" in item
    for gone in ("badge.png", "certificate.pdf", "/linkedin/", "linkedin.com", "?download=1"):
        assert gone not in item
    assert f'href="/credentials/{award.code}/"' in item


def test_the_privacy_toggle_replaces_only_the_text_of_its_live_region(client, award, learner):
    from bs4 import BeautifulSoup

    client.force_login(learner)
    wallet = BeautifulSoup(client.get("/dashboard/badges/").content, "html.parser")
    form = wallet.select_one(f"#privacy-{award.code}")
    assert form["hx-target"] == f"#privacy-action-{award.code}"
    assert form["hx-select-oob"] == f"#privacy-status-{award.code}:innerHTML"
    status = form.select_one(f"#privacy-status-{award.code}")
    assert status.parent["role"] == "status"
    assert "hidden" in status.get_text()
    answer = client.post(f"/dashboard/badges/{award.code}/privacy/", {"public": "1"}, HTTP_HX_REQUEST="true")
    fragment = BeautifulSoup(answer.content, "html.parser")
    assert "shows" in fragment.select_one(f"#privacy-status-{award.code}").get_text()
    button = fragment.select_one(f"#privacy-action-{award.code} button")
    assert button["id"] == f"privacy-button-{award.code}"  # same id: htmx gives it focus back
    assert "Hide my name" in button.get_text()


def test_the_verification_report_takes_focus_and_a_refused_credential_opens_an_error_summary(client, award):
    from bs4 import BeautifulSoup

    report = BeautifulSoup(
        client.post("/credentials/verify/", {"credential": award.credential_json}).content, "html.parser"
    )
    assert report.select_one(".badges-report[role=status][data-autofocus]")["tabindex"] == "-1"
    refused = client.post("/credentials/verify/", {"credential": "{" + " " * 70_000 + "}"})
    soup = BeautifulSoup(refused.content, "html.parser")
    summary = soup.select_one("form .error-summary[role=alert][data-autofocus]")
    assert "over 64 KB" in summary.get_text()
    assert soup.select_one("#id_credential")["aria-invalid"] == "true"
    assert summary.select_one("a")["href"] == "#id_credential"


def test_the_verification_page_in_french_shows_the_french_name_of_an_english_learners_badge(client, issuer):
    badge = make_achievement(
        issuer, name="Web Basics", name_fr="Notions du Web", description_fr="Description FR", criteria_fr="Critères"
    )
    award = award_issue(learner=make_user(language="en"), achievement=badge)
    page = client.get(f"/fr/credentials/{award.code}/").content.decode()
    assert '<h1 id="credential-title">Notions du Web</h1>' in page
    assert "Ce qu&#x27;il atteste" in page or "Ce qu'il atteste" in page


def test_the_verification_page_in_french_marks_an_english_only_name_with_its_language(client, issuer, achievement):
    award = award_issue(learner=make_user(language="fr"), achievement=achievement)
    page = client.get(f"/fr/credentials/{award.code}/").content.decode()
    assert '<h1 id="credential-title" lang="en">Linux for the Cloud</h1>' in page


def test_the_verification_page_in_english_shows_the_english_name_of_a_french_learners_badge(client, issuer):
    badge = make_achievement(
        issuer, name="Web Basics", name_fr="Notions du Web", description_fr="Description FR", criteria_fr="Critères"
    )
    award = award_issue(learner=make_user(language="fr"), achievement=badge)
    page = client.get(f"/credentials/{award.code}/").content.decode()
    assert '<h1 id="credential-title">Web Basics</h1>' in page
