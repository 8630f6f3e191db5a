"""A passkey made and used by Python's fido2 package (Yubico), at the API
level: the attestation object, authenticator data and client data are
built by fido2's own encoders and signed with `cryptography`, so the
ceremony is proven by a client that shares no code with the server.

Usage: fido2_client.py BASE_URL ORIGIN EMAIL PASSWORD
Registers a passkey for the account (signed in with its password), signs
in with it alone, reads /api/me with the new session, and prints "ok".
"""

import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import sha256, websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

BASE, ORIGIN, EMAIL, PASSWORD = sys.argv[1:5]
FLAG = AuthenticatorData.FLAG
# The ceremony cookie binds each start to its finish, as in a browser.
opener = urllib.request.build_opener(
    urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
)


def call(path, body, token=None):
    request = urllib.request.Request(
        BASE + "/api" + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json"},
    )
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with opener.open(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{path}: {error.code} {error.read().decode()}")


def credential_json(credential_id, response):
    return {
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "type": "public-key",
        "response": {k: websafe_encode(v) for k, v in response.items()},
        "clientExtensionResults": {},
    }


_, login = call("/auth/login", {"email": EMAIL, "password": PASSWORD})
access = login["data"]["accessToken"]

_, started = call("/auth/passkeys/register/start", {"currentPassword": PASSWORD}, access)
options = started["data"]["options"]["publicKey"]
rp_id = options["rp"]["id"]
key = ec.generate_private_key(ec.SECP256R1())
credential_id = os.urandom(32)
attested = AttestedCredentialData.create(
    Aaguid.NONE, credential_id, ES256.from_cryptography_key(key.public_key())
)
auth_data = AuthenticatorData.create(
    sha256(rp_id.encode()), FLAG.UP | FLAG.UV | FLAG.AT, 0, attested
)
client_data = CollectedClientData.create(
    "webauthn.create", websafe_decode(options["challenge"]), ORIGIN
)
attestation = AttestationObject.create("none", auth_data, {})
status, registered = call(
    "/auth/passkeys/register/finish",
    {
        "credential": credential_json(
            credential_id,
            {"clientDataJSON": bytes(client_data), "attestationObject": bytes(attestation)},
        ),
        "name": "fido2",
    },
    access,
)
assert status == 201, registered
assert registered["data"]["name"] == "fido2", registered
user_handle = websafe_decode(options["user"]["id"])

_, started = call("/auth/passkeys/login/start", {})
options = started["data"]["options"]["publicKey"]
assert "allowCredentials" not in options or not options["allowCredentials"], options
auth_data = AuthenticatorData.create(sha256(rp_id.encode()), FLAG.UP | FLAG.UV, 1)
client_data = CollectedClientData.create(
    "webauthn.get", websafe_decode(options["challenge"]), ORIGIN
)
signature = key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
_, signed_in = call(
    "/auth/passkeys/login/finish",
    {
        "credential": credential_json(
            credential_id,
            {
                "authenticatorData": bytes(auth_data),
                "clientDataJSON": bytes(client_data),
                "signature": signature,
                "userHandle": user_handle,
            },
        )
    },
)
token = signed_in["data"]["accessToken"]
request = urllib.request.Request(BASE + "/api/me", headers={"authorization": "Bearer " + token})
with opener.open(request) as response:
    me = json.load(response)
assert me["data"]["email"] == EMAIL, me
print("ok")
