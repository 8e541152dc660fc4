// Reference admin panel for the push-reactivation API (DESIGN.md §4, §4.1).
// Plain JavaScript modules, no build step: this file holds the session, the
// login and its step-up (40103), and the one place that turns an error into
// its next step; reactivation.js holds Edit Profile and the QR code;
// owner.js the Owner's Administrators and Administrator log. Everything the
// server returns is put on the page with textContent, never innerHTML, and
// the page's Content-Security-Policy allows no inline script at all.
//
// Secrets live in module memory only (docs/security/panel.md): the session
// token (api.js) for as long as the page lives (a reload asks to log in
// again), and the login's txid and login_secret only while that login is
// in progress.

import { ApiError, Intent, call, send, setToken, hasToken, sleep, backoff, humanDuration } from "./api.js";
import { $, el, button, show, busy, showError, notice, ROLE, label, currentView } from "./ui.js";
import { showProfile, clearReactivation, resumeQR } from "./reactivation.js";
import { showAdmins, showLog, clearOwner } from "./owner.js";

// The session as GET /v1/session answers it; null when logged out.
export let session = null;

// The login in progress: its txid, the login_secret every call on
// /v1/login/{txid} must carry, and for a step-up the action to finish.
let login = null;

export const accountName = (id) => {
  const a = session && (session.accounts || []).find((x) => x.account_id === id);
  return a ? a.name : id;
};
export const inChildAccount = () => {
  const a = session && (session.accounts || []).find((x) => x.account_id === session.acting_account);
  return !!a && a.kind === "child";
};

// ---- errors and their next steps ----

// fail shows err with the next step it calls for. retry re-runs the same
// intent (same Idempotency-Key, so nothing happens twice).
export function fail(err, retry) {
  if (!(err instanceof ApiError)) { console.warn(err); err = new ApiError("Something went wrong in the panel.", 0); }
  const again = retry ? [["Try again", retry]] : [];
  switch (err.code) {
    case 40103:
      if (retry) return stepUp(retry);
      return showError("For your security, confirm your identity again.", []);
    case 42301:
      // Only an Owner can help now (DESIGN §3, lockout): say who, and how.
      return showError("You are locked out after too many failed second-factor attempts. Ask an Owner of your account to clear the lockout (Administrators → your name → Reset lockout).",
        [["Start again", () => restartLogin()]]);
    case 42901:
      // During a login the limit is the login's (sends, pushes): a new
      // login may go on at once, so that is the next step offered.
      return showError("Too many attempts for now" + (err.detail ? " (" + err.detail + ")" : "") + ".",
        login ? [["Start again", () => restartLogin()]] : again, err.retryAfter);
    case 40302:
      return showError("Not allowed while you act in a child account: reactivate your own Duo Push from your parent account.",
        [["Switch to " + accountName(session && session.home_account), () => switchAccount(session.home_account)]]);
    case 0: case 50301: case 50001:
      return showError((err.code === 0 ? err.message : "The service is having trouble right now.") +
        " Nothing was sent twice; try again when it is back.", again, err.retryAfter);
    case 40101:
      if (hasToken() && !login) { logout(false); return showError("Your session has ended. Log in again."); }
      return showError(err.message + (err.detail ? ": " + err.detail : "") + ".");
    case 40401: case 41001:
      if (login) { endLogin(); return showError("This login is no longer valid (it expired or was replaced).", [["Start again", () => restartLogin()]]); }
      return showError(err.message + ".", again);
    case 40301:
      return showError("Only an Owner of this account may do this.", []);
    default:
      return showError(err.message + (err.detail ? " (" + err.detail + ")" : "") + ".", again);
  }
}

// attempt runs one intent from a button: busy while it runs, retried with
// backoff on transient failures (visible on the button), its error shown
// with its next step, whose "Try again" repeats the same intent.
export async function attempt(b, busyLabel, fn) {
  const intent = new Intent();
  const run = async () => {
    showError(); notice();
    try {
      await fn(intent, (left) => { if (b) b.textContent = "Retrying in " + humanDuration(left) + "…"; });
    } catch (err) { fail(err, () => (b ? busy(b, busyLabel, run) : run())); }
  };
  if (b) return busy(b, busyLabel, run);
  return run();
}

// ---- login and step-up ----

function endLogin() { login = null; }

async function loginCall(method, sub, body, intent, onWait) {
  const l = login;
  if (!l) throw new ApiError("No login in progress: start again.", 41001);
  const headers = { "X-Login-Secret": l.secret };
  const path = "/v1/login/" + encodeURIComponent(l.txid) + sub;
  try {
    return intent ? await send(method, path, body, intent, { headers, onWait }) : await call(method, path, body, { headers });
  } catch (err) {
    // An answer that says the login is over drops its secret.
    if ([40401, 41001, 42301].includes(err.code) && login === l) endLogin();
    throw err;
  }
}

export function restartLogin() {
  endLogin();
  showError(); notice();
  clearLoginFields();
  show("login");
}

function clearLoginFields() {
  for (const f of document.querySelectorAll("form")) f.reset();
  for (const id of ["passcode-step", "push-step", "push-code-line"]) $(id).hidden = true;
  $("push-sent").hidden = false; $("factor-restart").classList.remove("primary");
  for (const id of ["factor-list", "passcode-hint", "push-status", "push-code", "factor-why"]) $(id).replaceChildren();
}

$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  attempt(e.target.querySelector("button[type=submit]"), "Checking…", async (intent, onWait) => {
    endLogin(); // a new password step abandons the previous login
    const r = await send("POST", "/v1/login", { email: f.get("email"), password: f.get("password") }, intent, { onWait });
    startFactors(r, null);
  });
});

// startFactors shows the factor choice of a login (onDone null) or of a
// step-up (onDone finishes the refused action).
function startFactors(r, onDone) {
  login = { txid: r.txid, secret: r.login_secret, onDone };
  clearLoginFields();
  $("factor-title").textContent = onDone ? "Confirm it's you" : "Choose a second factor";
  $("factor-why").textContent = onDone
    ? "This action needs a recent login. Confirm with a second factor; you stay logged in and the action goes on."
    : "Choose how to confirm your login.";
  $("factor-restart").textContent = onDone ? "Cancel" : "Start again";
  const list = $("factor-list");
  for (const opt of r.factors) {
    const li = el("li");
    li.appendChild(button(opt.label, (b) => chooseFactor(b, opt.factor)));
    list.appendChild(li);
  }
  show("factor");
}

function chooseFactor(b, factor) {
  if (factor === "passcode") {
    $("push-step").hidden = true;
    $("passcode-hint").textContent = "Enter the passcode shown in Duo Mobile.";
    $("passcode-step").hidden = false; $("passcode-form").elements.passcode.focus();
    return;
  }
  return attempt(b, factor === "push" ? "Sending push…" : "Sending…", async (intent, onWait) => {
    const r = await loginCall("POST", "/factor", { factor }, intent, onWait);
    const left = r.sends_left === 0 ? "That was the last send for this login." : r.sends_left === 1 ? "1 more send left." : r.sends_left + " more sends left.";
    if (factor === "push") {
      $("passcode-step").hidden = true; $("push-step").hidden = false;
      $("push-code").textContent = r.verification_code || "";
      $("push-code-line").hidden = !r.verification_code;
      $("push-status").textContent = "Waiting for your approval on the phone…";
      pollPush(login);
    } else {
      $("push-step").hidden = true;
      $("passcode-hint").textContent = (factor === "sms" ? "We sent a passcode by text message." : "We are calling your phone to read you a passcode.") +
        " It is valid for 5 minutes. " + left;
      $("passcode-step").hidden = false; $("passcode-form").elements.passcode.focus();
    }
  });
}

$("passcode-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const passcode = new FormData(e.target).get("passcode");
  attempt(e.target.querySelector("button[type=submit]"), "Checking…", async (intent, onWait) => {
    let r;
    try {
      r = await loginCall("POST", "/verify", { passcode }, intent, onWait);
    } catch (err) {
      if (err.code === 40101) { // a wrong passcode: the login goes on
        e.target.reset();
        // The detail says how many tries are left, and before what.
        const left = (err.detail || "").replace(/^wrong passcode:\s*/i, "");
        return showError("That passcode is not right" + (left ? ": " + left : "") + ".", []);
      }
      throw err;
    }
    await verified(r.session_token);
  });
});

// pollPush polls the push of login l until it is answered, with backoff
// after a failed check; it stops when l is no longer the login.
async function pollPush(l) {
  for (let n = 0; login === l; ) {
    let wait = 2;
    try {
      const r = await loginCall("GET", "");
      n = 0;
      if (r.session_token) return verified(r.session_token);
      if (r.status === "denied") {
        endLogin();
        $("push-status").textContent = "The push was denied on the phone. Start again to log in.";
        // Nothing of the dead login stays clickable or on show.
        $("factor-list").replaceChildren();
        $("push-sent").hidden = true; $("push-code-line").hidden = true;
        $("factor-restart").classList.add("primary");
        return;
      }
      if (r.status === "expired") { $("push-status").textContent = "The push expired. Choose a factor again."; return; }
      $("push-status").textContent = "Waiting for your approval on the phone…";
    } catch (err) {
      if (!(err instanceof ApiError) || !err.transient) { $("push-status").textContent = ""; return fail(err); }
      wait = backoff(n++, err);
      $("push-status").textContent = "Connection problem; checking again in " + humanDuration(wait) + ".";
    }
    await sleep(wait);
  }
}

// verified finishes a login or a step-up with the session token.
async function verified(token) {
  const onDone = login && login.onDone;
  endLogin();
  setToken(token);
  clearLoginFields(); // the password and passcode are not needed any more
  if (onDone) { await loadSession(); return onDone(); }
  await loadSession();
  await showProfile();
}

// stepUp asks for a second factor again (POST /v1/session/reauth) and then
// runs retry, the refused action with its own Idempotency-Key.
async function stepUp(retry) {
  // The view the person was on comes back as it was (a QR code with its
  // polling, an email result line) before the refused action runs again.
  const back = currentView();
  const intent = new Intent();
  try {
    const r = await send("POST", "/v1/session/reauth", {}, intent);
    startFactors(r, async () => { showError(); restoreView(back); await retry(); });
    login.back = back;
  } catch (err) { fail(err); }
}

function restoreView(v) {
  if (v === "qr") return resumeQR();
  show(v);
}

let lastView = "profile";
export function setBackView(v) { lastView = v; }

$("factor-restart").addEventListener("click", () => {
  const l = login;
  showError();
  if (l && l.onDone) { endLogin(); return restoreView(l.back); }
  if (!l && hasToken()) return backTo(lastView);
  restartLogin();
});

function backTo(v) {
  if (v === "admins") return showAdmins();
  if (v === "log") return showLog();
  return showProfile();
}

// ---- session ----

export async function loadSession() {
  session = await call("GET", "/v1/session");
  const a = session.admin;
  const acting = accountName(session.acting_account);
  $("whoami").textContent = "Logged in as " + a.name + " (" + label(ROLE, a.role) + ") · acting in " + acting +
    (session.acting_account !== session.home_account ? " for " + accountName(session.home_account) : "");
  $("whoami").hidden = false;
  $("nav").hidden = false;
  const owner = a.role === "owner";
  $("nav-admins").hidden = !owner; $("nav-log").hidden = !owner;
  const sel = $("account-switch");
  const accounts = session.accounts || [];
  sel.replaceChildren();
  for (const acct of accounts) {
    const o = el("option", acct.name || acct.account_id, { value: acct.account_id });
    o.selected = acct.account_id === session.acting_account; sel.appendChild(o);
  }
  $("account-switch-label").hidden = accounts.length < 2;
}

export async function switchAccount(id) {
  const intent = new Intent();
  showError(); notice();
  try {
    await send("PUT", "/v1/session/account", { account_id: id }, intent);
    await loadSession();
    await showProfile();
    notice("You now act in " + accountName(id) + ".");
  } catch (err) { fail(err, () => switchAccount(id)); }
}

$("account-switch").addEventListener("change", (e) => switchAccount(e.target.value));

// logout ends the session and leaves nothing behind on the page: every
// field (password too), every list, the header's name.
export async function logout(callServer) {
  if (callServer && hasToken()) {
    try { await send("DELETE", "/v1/session", undefined, new Intent(), { tries: 2 }); } catch { /* gone already */ }
  }
  setToken(null); session = null; endLogin();
  clearLoginFields();
  clearReactivation(); clearOwner();
  $("whoami").textContent = ""; $("whoami").hidden = true;
  $("nav").hidden = true; $("account-switch").replaceChildren();
  showError(); notice();
  show("login");
}

$("logout").addEventListener("click", async (e) => {
  await busy(e.currentTarget, "Logging out…", () => logout(true));
  notice("You have logged out.");
});

for (const b of document.querySelectorAll("nav [data-view]")) {
  b.addEventListener("click", () => { showError(); notice(); backTo(b.dataset.view); });
}

show("login");
