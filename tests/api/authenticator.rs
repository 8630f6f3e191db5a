//! A software passkey authenticator (ES256, "none" attestation, user
//! verified), written from the WebAuthn specification: it shares no code
//! with the server's webauthn-rs, so a ceremony it completes proves the
//! server reads real authenticators' bytes.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const ATTESTED_DATA: u8 = 0x40;

/// One discoverable credential the authenticator holds.
#[derive(Clone)]
pub struct Credential {
    pub id: Vec<u8>,
    key: SigningKey,
    pub user_handle: Vec<u8>,
    pub counter: u32,
    /// Whether the authenticator says the key may be synced (the BE flag).
    pub backup_eligible: bool,
}

/// An authenticator bound to one origin (as a browser would bind it).
pub struct Authenticator {
    /// The origin the browser would write into the client data.
    pub origin: String,
    pub credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.as_str().expect("a base64url string"))
        .expect("base64url")
}

impl Authenticator {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .expect("json")
    }

    /// `navigator.credentials.create` for these options (`{publicKey}`):
    /// a new key pair, kept, and the credential's JSON.
    pub fn create(&mut self, options: &Value) -> Value {
        let options = &options["publicKey"];
        let rp_id = options["rp"]["id"].as_str().expect("rp.id");
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let id: Vec<u8> = (0..16).map(|_| rand::random::<u8>()).collect();
        let point = key.verifying_key().to_encoded_point(false);
        let cose = Cbor::Map(BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (
                Cbor::Integer(-2),
                Cbor::Bytes(point.x().expect("x").to_vec()),
            ),
            (
                Cbor::Integer(-3),
                Cbor::Bytes(point.y().expect("y").to_vec()),
            ),
        ]));
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        // New keys are device-bound (no BE flag); a test may flip it later.
        auth_data.push(USER_PRESENT | USER_VERIFIED | ATTESTED_DATA);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&u16::try_from(id.len()).expect("len").to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend(serde_cbor_2::to_vec(&cose).expect("cbor"));
        let attestation = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", &options["challenge"]);
        self.credentials.push(Credential {
            id: id.clone(),
            key,
            user_handle: unb64(&options["user"]["id"]),
            counter: 0,
            backup_eligible: false,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&serde_cbor_2::to_vec(&attestation).expect("cbor")),
                "clientDataJSON": b64(&client_data),
            },
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get` for these options: signs with the
    /// first credential allowed (any, when none is listed), counting up.
    pub fn get(&mut self, options: &Value) -> Value {
        let options = &options["publicKey"];
        let rp_id = options["rpId"].as_str().expect("rpId").to_owned();
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|list| list.iter().map(|c| unb64(&c["id"])).collect())
            .unwrap_or_default();
        let client_data = self.client_data("webauthn.get", &options["challenge"]);
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| allowed.is_empty() || allowed.contains(&c.id))
            .expect("a credential for these options");
        credential.counter += 1;
        sign(&rp_id, credential, &client_data)
    }
}

/// An assertion by `credential`, as the browser's JSON.
pub fn sign(rp_id: &str, credential: &Credential, client_data: &[u8]) -> Value {
    let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
    let backup = if credential.backup_eligible {
        BACKUP_ELIGIBLE
    } else {
        0
    };
    auth_data.push(USER_PRESENT | USER_VERIFIED | backup);
    auth_data.extend_from_slice(&credential.counter.to_be_bytes());
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(client_data));
    let signature: DerSignature = credential.key.sign(&signed);
    json!({
        "id": b64(&credential.id),
        "rawId": b64(&credential.id),
        "type": "public-key",
        "response": {
            "authenticatorData": b64(&auth_data),
            "clientDataJSON": b64(client_data),
            "signature": b64(signature.as_bytes()),
            "userHandle": b64(&credential.user_handle),
        },
        "clientExtensionResults": {},
    })
}
