// Reference admin panel for the push-reactivation API (DESIGN.md §4).
// Plain JavaScript, no build step. Everything the server returns is put on
// the page with textContent, never innerHTML. Loaded as a module: what is
// declared here is not reachable from the page's global scope, and the
// page's Content-Security-Policy allows no inline script at all.
//
// Secrets live in this module's memory only (docs/security/panel.md):
// the session token for as long as the page lives (a reload asks to log in
// again), and the login's txid and login_secret only while that login is
// in progress.
"use strict";

const state = { token: null, session: null, reactivation: null, logNext: null };
// The login in progress: its txid and the login_secret that every call on
// /v1/login/{txid} must carry (DESIGN §4.1). null when none.
let login = null;
const $ = (id) => document.getElementById(id);

async function api(method, path, body, extraHeaders) {
  const headers = { ...extraHeaders };
  // The API refuses a body without this header (415 41501).
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let env;
  try { env = await resp.json(); } catch { env = { stat: "FAIL", message: "HTTP " + resp.status }; }
  if (env.stat !== "OK") {
    const err = new Error(env.message + (env.message_detail ? " (" + env.message_detail + ")" : ""));
    err.code = env.code; err.retryAfter = resp.headers.get("Retry-After");
    throw err;
  }
  return env.response;
}

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; return; }
  box.textContent = err.message + (err.retryAfter ? " — try again in " + err.retryAfter + " s" : "");
  box.hidden = false;
  // An expired or revoked session ends here; a 40101 during a login (a
  // wrong password or passcode) leaves the login in progress for a retry.
  if (err.code === 40101 && state.token) logout(false);
}

function show(view) {
  for (const v of ["login", "profile", "admins", "log", "qr"]) $("view-" + v).hidden = v !== view;
}

function cell(row, text) { const td = document.createElement("td"); td.textContent = text ?? ""; row.appendChild(td); return td; }

// ---- login ----

// loginApi calls /v1/login/{txid}[/sub] of the login in progress with its
// secret. An answer that says the login is over (unknown, expired, locked)
// drops the secret: it is of no use any more.
async function loginApi(method, sub, body) {
  const l = login;
  if (!l) throw new Error("No login in progress: enter your email and password again.");
  try {
    return await api(method, "/v1/login/" + encodeURIComponent(l.txid) + sub, body, { "X-Login-Secret": l.secret });
  } catch (err) {
    if ([40401, 41001, 42301].includes(err.code)) endLogin(l);
    throw err;
  }
}

// endLogin forgets the login in progress (when it is l, or any when l is
// undefined): after a session is issued, a new password step, a denied
// push, or a log-out.
function endLogin(l) {
  if (l === undefined || login === l) login = null;
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault(); showError();
  endLogin(); // a new password step abandons the previous login
  for (const id of ["factors", "passcode-step", "push-step"]) $(id).hidden = true;
  const f = new FormData(e.target);
  try {
    const r = await api("POST", "/v1/login", { email: f.get("email"), password: f.get("password") });
    login = { txid: r.txid, secret: r.login_secret };
    const list = $("factor-list"); list.replaceChildren();
    for (const opt of r.factors) {
      const li = document.createElement("li"); const b = document.createElement("button");
      b.textContent = opt.label; b.addEventListener("click", () => chooseFactor(opt.factor));
      li.appendChild(b); list.appendChild(li);
    }
    $("factors").hidden = false;
  } catch (err) { showError(err); }
});

async function chooseFactor(factor) {
  showError();
  if (factor === "passcode") {
    $("passcode-hint").textContent = "Enter the passcode shown in Duo Mobile.";
    $("passcode-step").hidden = false; return;
  }
  try {
    const r = await loginApi("POST", "/factor", { factor });
    if (factor === "push") {
      $("push-step").hidden = false;
      if (r.verification_code) { $("push-code").textContent = r.verification_code; $("push-code").hidden = false; }
      pollPush(login);
    } else {
      $("passcode-hint").textContent = factor === "sms" ? "We sent a passcode by text message." : "We are calling your phone with a passcode.";
      $("passcode-step").hidden = false;
    }
  } catch (err) { showError(err); }
}

$("passcode-form").addEventListener("submit", async (e) => {
  e.preventDefault(); showError();
  try {
    const r = await loginApi("POST", "/verify", { passcode: new FormData(e.target).get("passcode") });
    loggedIn(r.session_token);
  } catch (err) { showError(err); }
});

// pollPush polls the push of login l until it is answered; it stops when
// that login is no longer the one in progress.
async function pollPush(l) {
  if (!l || login !== l) return;
  try {
    const r = await loginApi("GET", "");
    $("push-status").textContent = "Status: " + r.status;
    if (r.session_token) return loggedIn(r.session_token);
    if (r.status === "pending") setTimeout(() => pollPush(l), 2000);
    // Denied (or approved without a token): the login is over. An expired
    // push leaves the login alive for another push or another factor; the
    // server says when the login itself is gone (41001, 40401).
    else if (r.status !== "expired") endLogin(l);
  } catch (err) { showError(err); }
}

// loggedIn keeps the session token in memory only (no Web Storage, no
// cookie) and forgets the login that produced it.
async function loggedIn(token) {
  state.token = token; endLogin();
  // The password and passcode are not needed any more: do not keep them in
  // the (hidden) forms for the life of the page.
  $("login-form").reset(); $("passcode-form").reset();
  for (const id of ["factors", "passcode-step", "push-step"]) $(id).hidden = true;
  await loadSession();
}

async function loadSession() {
  state.session = await api("GET", "/v1/session");
  $("nav").hidden = false;
  const owner = state.session.admin && state.session.admin.role === "owner";
  $("nav-admins").hidden = !owner; $("nav-log").hidden = !owner;
  const sel = $("account-switch");
  const accounts = state.session.accounts || [];
  sel.replaceChildren();
  for (const a of accounts) {
    const o = document.createElement("option"); o.value = a.account_id; o.textContent = a.name || a.account_id;
    o.selected = a.account_id === state.session.acting_account; sel.appendChild(o);
  }
  sel.hidden = accounts.length < 2;
  await showProfile();
}

$("account-switch").addEventListener("change", async (e) => {
  try { await api("PUT", "/v1/session/account", { account_id: e.target.value }); await loadSession(); } catch (err) { showError(err); }
});

async function logout(callServer = true) {
  if (callServer && state.token) { try { await api("DELETE", "/v1/session"); } catch { /* already gone */ } }
  state.token = null; endLogin();
  $("nav").hidden = true; show("login");
}
$("logout").addEventListener("click", () => logout(true));

// ---- profile and reactivation ----
async function showProfile() {
  show("profile"); showError();
  try {
    const p = await api("GET", "/v1/profile");
    const dl = $("profile-details"); dl.replaceChildren();
    for (const [k, v] of [["Name", p.name], ["Email", p.email], ["Role", p.role], ["Account", p.account && p.account.name]]) {
      const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v;
      dl.append(dt, dd);
    }
    const push = p.secondary_auth.push;
    $("push-state").textContent = push.status + (push.device ? " — " + [push.device.platform, push.device.model].filter(Boolean).join(" ") : "");
    $("sms-state").textContent = (p.secondary_auth.sms && p.secondary_auth.sms.phone) || "no phone";
    $("phone-state").textContent = (p.secondary_auth.phone && p.secondary_auth.phone.phone) || "no phone";
  } catch (err) { showError(err); }
}

$("reactivate-self").addEventListener("click", async () => {
  try { showQR(await api("POST", "/v1/profile/duo-push/reactivation", {}), "your own Duo Push"); } catch (err) { showError(err); }
});

function showQR(r, who) {
  state.reactivation = r; show("qr"); showError();
  $("qr-for").textContent = "Reactivating " + who + ".";
  $("qr-img").src = "data:image/png;base64," + r.barcode_png;
  $("qr-expires").textContent = new Date(r.expires_at).toLocaleString();
  $("qr-status").textContent = r.status; $("qr-email-result").textContent = "";
  pollReactivation(r.reactivation_id);
}

async function pollReactivation(id) {
  if (!state.reactivation || state.reactivation.reactivation_id !== id || $("view-qr").hidden) return;
  try {
    const r = await api("GET", "/v1/reactivations/" + id);
    $("qr-status").textContent = r.status + (r.device ? " on " + [r.device.platform, r.device.model].filter(Boolean).join(" ") : "");
    if (r.status === "pending") setTimeout(() => pollReactivation(id), 3000);
  } catch (err) { showError(err); }
}

$("qr-email").addEventListener("click", async () => {
  try {
    const r = await api("POST", "/v1/reactivations/" + state.reactivation.reactivation_id + "/email", {});
    $("qr-email-result").textContent = "Sent to " + r.to + "; the link expires " + new Date(r.expires_at).toLocaleString() + ".";
  } catch (err) { showError(err); }
});

$("qr-cancel").addEventListener("click", async () => {
  try { await api("DELETE", "/v1/reactivations/" + state.reactivation.reactivation_id); state.reactivation = null; showProfile(); } catch (err) { showError(err); }
});

// ---- owner views ----
// allAdmins follows the list's pages (100 admins each) to the end.
async function allAdmins() {
  let r = await api("GET", "/v1/admins");
  const admins = r.admins;
  while (r.next) { r = await api("GET", "/v1/admins?next=" + encodeURIComponent(r.next)); admins.push(...r.admins); }
  return admins;
}

async function showAdmins() {
  show("admins"); showError();
  try {
    const admins = await allAdmins();
    const body = $("admin-rows"); body.replaceChildren();
    for (const a of admins) {
      const tr = document.createElement("tr");
      for (const v of [a.name, a.email, a.role, a.status, a.push_status]) cell(tr, v);
      const actions = cell(tr, "");
      const re = document.createElement("button"); re.textContent = "Reactivate Duo Push";
      re.addEventListener("click", async () => {
        try { showQR(await api("POST", "/v1/admins/" + encodeURIComponent(a.admin_id) + "/duo-push/reactivation", {}), a.name + "'s Duo Push"); } catch (err) { showError(err); }
      });
      actions.appendChild(re);
      if (a.status === "locked") {
        const un = document.createElement("button"); un.textContent = "Reset lockout";
        un.addEventListener("click", async () => {
          try { await api("POST", "/v1/admins/" + encodeURIComponent(a.admin_id) + "/reset-lockout", {}); showAdmins(); } catch (err) { showError(err); }
        });
        actions.appendChild(un);
      }
      body.appendChild(tr);
    }
  } catch (err) { showError(err); }
}

async function showLog(more) {
  show("log"); showError();
  try {
    const q = "?limit=25" + (more && state.logNext ? "&next=" + encodeURIComponent(state.logNext) : "");
    const r = await api("GET", "/v1/admin-log" + q);
    const body = $("log-rows"); if (!more) body.replaceChildren();
    for (const ev of r.events) {
      const tr = document.createElement("tr");
      const who = (p) => p ? (p.name ? p.name + " <" + p.email + ">" : p.admin_id) : "";
      for (const v of [new Date(ev.time).toLocaleString(), ev.action, ev.outcome, who(ev.actor), who(ev.target)]) cell(tr, v);
      body.appendChild(tr);
    }
    state.logNext = r.next || null; $("log-more").hidden = !state.logNext;
  } catch (err) { showError(err); }
}
$("log-more").addEventListener("click", () => showLog(true));

for (const b of document.querySelectorAll("nav [data-view]")) {
  b.addEventListener("click", () => ({ profile: showProfile, admins: showAdmins, log: () => showLog(false) })[b.dataset.view]());
}

show("login");
