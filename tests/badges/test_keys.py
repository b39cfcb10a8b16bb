"""Issuer keys: rotation keeps old badges valid; private keys are never in clear text anywhere."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from badges.models import SigningKey
from badges.ob3.keys import decrypt_private_key
from badges.services import award_issue, issuer_did_document, issuer_key_rotate, key_encryption_keys
from tests.badges.conftest import make_achievement
from tests.badges.helpers import verify_award
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_rotation_adds_a_key_and_keeps_the_old_one_in_the_did_document(issuer):
    issuer_key_rotate(issuer=issuer)
    document = issuer_did_document(issuer=issuer)
    ids = [method["id"] for method in document["verificationMethod"]]
    assert ids == [f"{issuer.did}#key-1", f"{issuer.did}#key-2"]
    assert document["assertionMethod"] == ids
    assert all(method["controller"] == issuer.did for method in document["verificationMethod"])
    assert list(SigningKey.objects.filter(active=True).values_list("fragment", flat=True)) == ["key-2"]


def test_badges_signed_before_a_rotation_still_verify(issuer, learner):
    old = award_issue(learner=learner, achievement=make_achievement(issuer))
    issuer_key_rotate(issuer=issuer)
    new = award_issue(learner=learner, achievement=make_achievement(issuer))
    assert old.credential["proof"][0]["verificationMethod"].endswith("#key-1")
    assert new.credential["proof"][0]["verificationMethod"].endswith("#key-2")
    assert verify_award(old).status == "valid"
    assert verify_award(new).status == "valid"


def test_only_platform_admins_rotate_keys(issuer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        issuer_key_rotate(issuer=issuer, user=make_user(instructor=True))


def test_the_command_creates_the_next_key(issuer):
    out = StringIO()
    call_command("create_issuer_key", issuer.slug, stdout=out)
    assert "#key-2" in out.getvalue()


def test_the_private_key_is_stored_encrypted_and_decrypts_with_the_setting(issuer):
    key = SigningKey.objects.get()
    private = decrypt_private_key(key.private_key_encrypted, key_encryption_keys())
    assert private.public_bytes == bytes(key.public_key)
    seed = private._seed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM badges_signingkey")
        rows = cursor.fetchall()
    dump = repr(rows).encode() + b"".join(bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview))
    assert seed not in dump
    assert seed.hex().encode() not in dump
    assert key.private_key_encrypted not in repr(key)


def test_no_log_line_holds_the_private_key(issuer, caplog):
    with caplog.at_level(logging.DEBUG):
        key = issuer_key_rotate(issuer=issuer)
        call_command("create_issuer_key", issuer.slug, stdout=StringIO())
    key.refresh_from_db()
    assert key.private_key_encrypted not in caplog.text
    seed_hex = decrypt_private_key(key.private_key_encrypted, key_encryption_keys())._seed().hex()
    assert seed_hex not in caplog.text


def test_the_admin_never_shows_the_private_key(client, issuer):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    key = SigningKey.objects.get()
    pages = [
        client.get(f"/admin/snippets/badges/issuer/edit/{issuer.pk}/"),
        client.get(f"/admin/badges/issuers/{issuer.pk}/rotate-key/"),
        client.get("/admin/snippets/badges/issuer/"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert key.private_key_encrypted not in page.content.decode()


def test_the_admin_rotates_a_key(client, issuer):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/badges/issuers/{issuer.pk}/rotate-key/")
    assert response.status_code == 302
    assert SigningKey.objects.filter(issuer=issuer).count() == 2


def test_production_refuses_to_start_without_key_encryption_keys():
    env = {k: v for k, v in os.environ.items() if k != "BADGES_KEY_ENCRYPTION_KEYS"}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        ALLOWED_HOSTS="learn.example.org",
        SECRET_KEY="k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "BADGES_KEY_ENCRYPTION_KEYS" in result.stderr


def test_an_instructor_edits_only_the_achievements_of_their_courses(client, issuer):
    from tests.factories import make_course

    teacher = make_user(instructor=True)
    own = make_achievement(issuer, course=make_course(instructors=[teacher]))
    other = make_achievement(issuer)
    client.force_login(teacher)
    listing = client.get("/admin/snippets/badges/achievement/").content.decode()
    assert own.name in listing and other.name not in listing
    assert client.get(f"/admin/snippets/badges/achievement/edit/{own.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/badges/achievement/edit/{other.pk}/").status_code in {302, 403}
