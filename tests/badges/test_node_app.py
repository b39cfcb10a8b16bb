"""Credentials issued by the running application verify in Digital Bazaar's verifier, offline.

The DID document and the status list are the ones our endpoints serve; the Node script gets them as
files (it never touches the network).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from badges.services import award_issue, award_revoke, issuer_key_rotate
from tests.badges.conftest import make_achievement
from tests.factories import make_user

pytestmark = [pytest.mark.node, pytest.mark.django_db]
VERIFY_MJS = Path(__file__).resolve().parents[2] / "badges" / "ob3" / "node_verifier" / "verify.mjs"


def node_verify(client, award, tmp_path: Path) -> dict[str, Any]:
    credential = json.loads(client.get(f"/credentials/{award.code}.json").content)
    did = credential["issuer"]["id"]
    slug = did.rsplit(":", 1)[1]
    list_url = credential["credentialStatus"]["statusListCredential"]
    payload = {
        "credential": credential,
        "didDocuments": {did: client.get(f"/issuers/{slug}/did.json").json()},
        "statusLists": {list_url: json.loads(client.get(urlsplit(list_url).path).content)},
    }
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload))
    completed = subprocess.run(
        ["node", str(VERIFY_MJS), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_an_issued_badge_verifies_and_a_revoked_one_is_reported_revoked(client, issuer, achievement, learner, tmp_path):
    award = award_issue(learner=learner, achievement=achievement)
    assert node_verify(client, award, tmp_path) == {"verified": True, "revoked": False, "errors": []}
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Exam fraud")
    result = node_verify(client, award, tmp_path)
    assert result["verified"] is True
    assert result["revoked"] is True


def test_pathway_credentials_and_badges_signed_before_a_rotation_verify(client, issuer, learner, tmp_path):
    from tests.badges.conftest import make_pathway

    components = [make_achievement(issuer, name=f"Cloud {n}") for n in range(2)]
    pathway = make_pathway(issuer, components)
    first = award_issue(learner=learner, achievement=components[0])
    issuer_key_rotate(issuer=issuer)
    award_issue(learner=learner, achievement=components[1])
    pathway_award = pathway.awards.get()
    assert node_verify(client, first, tmp_path)["verified"] is True
    assert node_verify(client, pathway_award, tmp_path) == {"verified": True, "revoked": False, "errors": []}


def test_a_french_learners_bilingual_badge_verifies(client, issuer, tmp_path):
    badge = make_achievement(
        issuer, name="Web Basics", name_fr="Notions du Web", description_fr="Description FR", criteria_fr="Critères"
    )
    award = award_issue(learner=make_user(language="fr"), achievement=badge)
    assert award.credential["name"] == "Notions du Web"
    assert node_verify(client, award, tmp_path) == {"verified": True, "revoked": False, "errors": []}
