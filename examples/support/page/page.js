// The sign-in page of the quickstart: plain DOM and fetch, cookie mode.
// Every action is one or two calls to the API under /api.
"use strict";

const $ = (selector) => document.querySelector(selector);
let mfaToken = null;

async function call(method, path, body) {
  const response = await fetch("/api" + path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(json?.details ?? `${response.status} ${response.statusText}`);
  }
  return json?.data;
}

function say(message, isError = false) {
  $("#status").textContent = message;
  $("#status").className = isError ? "error" : "";
}

function show(view) {
  if (view !== "signed-in") {
    // What one signed-in visit showed is not for the next.
    $("#totp-enrolment").hidden = true;
    $("#recovery-codes").hidden = true;
    $("#recovery-codes").replaceChildren();
  }
  for (const id of ["signed-out", "mfa", "signed-in"]) {
    $("#" + id).hidden = id !== view;
  }
}

// Runs an action, showing its error instead of throwing it.
function action(run) {
  return async (event) => {
    event?.preventDefault();
    try {
      await run();
    } catch (error) {
      say(error.message, true);
    }
  };
}

// A sign-in either finished (cookies set) or asks for a second step.
async function landed(data) {
  if (data?.mfaRequired) {
    mfaToken = data.mfaToken;
    show("mfa");
    say("A second step is needed.");
    return;
  }
  mfaToken = null;
  await refreshView();
}

async function me() {
  try {
    return await call("GET", "/me");
  } catch {
    // The access cookie may have expired: rotate the refresh cookie once.
    try {
      await call("POST", "/auth/refresh-token", {});
      return await call("GET", "/me");
    } catch {
      return null;
    }
  }
}

async function refreshView() {
  const user = await me();
  if (!user) {
    show("signed-out");
    return;
  }
  $("#whoami").textContent = user.email;
  $("#totp-state").textContent = user.mfaEnabled ? "On." : "Off.";
  $("#totp-form").hidden = user.mfaEnabled;
  show("signed-in");
  await Promise.all([listPasskeys(), listSessions()]);
}

async function listPasskeys() {
  const passkeys = await call("GET", "/auth/passkeys");
  $("#passkeys").replaceChildren(...passkeys.map((passkey) => {
    const item = document.createElement("li");
    const used = passkey.lastUsedAt ? `last used ${passkey.lastUsedAt}` : "never used";
    item.textContent = `${passkey.name} — added ${passkey.createdAt}, ${used}`;
    return item;
  }));
}

async function listSessions() {
  const sessions = await call("GET", "/auth/sessions");
  const current = sessions.find((session) => session.current);
  $("#methods").textContent = current ? `(signed in with ${current.methods.join(" + ")})` : "";
  $("#sessions").replaceChildren(...sessions.map((session) => {
    const item = document.createElement("li");
    item.textContent = `${session.client ?? "unknown client"}, since ${session.createdAt}`;
    if (session.current) {
      item.className = "current";
      item.append(" (this one)");
    } else {
      const end = document.createElement("button");
      end.textContent = "End";
      end.className = "end-session";
      end.addEventListener("click", action(async () => {
        await call("DELETE", `/auth/sessions/${session.id}`);
        say("Session ended.");
        await listSessions();
      }));
      item.append(end);
    }
    return item;
  }));
}

async function passkeyAssertion(startBody) {
  const { options } = await call("POST", "/auth/passkeys/login/start", startBody);
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
  const credential = await navigator.credentials.get({ publicKey });
  return credential.toJSON();
}

$("#password-form").addEventListener("submit", action(async () => {
  const data = await call("POST", "/login", { email: $("#email").value, password: $("#password").value });
  $("#password").value = "";
  say("");
  await landed(data);
}));

$("#passkey-sign-in").addEventListener("click", action(async () => {
  const credential = await passkeyAssertion({});
  await landed(await call("POST", "/auth/passkeys/login/finish", { credential, mode: "cookie" }));
  say("Signed in with a passkey.");
}));

$("#magic-form").addEventListener("submit", action(async () => {
  const data = await call("POST", "/auth/magic-link", { email: $("#magic-email").value });
  say(data.message);
}));

$("#mfa-form").addEventListener("submit", action(async () => {
  const data = await call("POST", "/auth/verify-mfa", { mfaToken, code: $("#mfa-code").value });
  $("#mfa-code").value = "";
  await landed(data);
}));

$("#mfa-passkey").addEventListener("click", action(async () => {
  const credential = await passkeyAssertion({ mfaToken });
  await landed(await call("POST", "/auth/passkeys/login/finish", { credential, mfaToken }));
  say("Second step passed with a passkey.");
}));

$("#passkey-form").addEventListener("submit", action(async () => {
  const { options } = await call("POST", "/auth/passkeys/register/start", {
    currentPassword: $("#passkey-password").value || undefined,
  });
  $("#passkey-password").value = "";
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey);
  const credential = await navigator.credentials.create({ publicKey });
  await call("POST", "/auth/passkeys/register/finish", {
    credential: credential.toJSON(),
    name: $("#passkey-name").value,
  });
  say("Passkey added.");
  await listPasskeys();
}));

$("#totp-form").addEventListener("submit", action(async () => {
  const enrolment = await call("POST", "/auth/enable-mfa", {
    currentPassword: $("#totp-password").value || undefined,
  });
  $("#totp-password").value = "";
  $("#totp-qr").src = enrolment.qrCode;
  $("#totp-secret").textContent = enrolment.secret;
  $("#totp-enrolment").hidden = false;
}));

$("#totp-confirm-form").addEventListener("submit", action(async () => {
  const data = await call("POST", "/auth/verify-mfa", { code: $("#totp-code").value });
  $("#totp-enrolment").hidden = true;
  $("#recovery-codes").replaceChildren(...data.recoveryCodes.map((code) => {
    const item = document.createElement("li");
    item.textContent = code;
    return item;
  }));
  $("#recovery-codes").hidden = false;
  $("#totp-state").textContent = "On.";
  $("#totp-form").hidden = true;
  say("TOTP is on. Keep these recovery codes somewhere safe.");
}));

$("#sign-out").addEventListener("click", action(async () => {
  await call("POST", "/auth/logout", {});
  say("Signed out.");
  show("signed-out");
}));

// A sign-in link opens this page with ?token=…: spend it, then drop it
// from the address bar.
action(async () => {
  const token = new URLSearchParams(location.search).get("token");
  if (token) {
    history.replaceState(null, "", location.pathname);
    await landed(await call("POST", "/auth/magic-link/verify", { token, mode: "cookie" }));
    return;
  }
  await refreshView();
})();
