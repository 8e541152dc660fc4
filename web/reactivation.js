// Edit Profile → Secondary Authentication, the Owner's view of the same
// section, the confirmation step and the QR code view: every state of a
// reactivation (pending, expired code, activated, cancelled) with its next
// step, polling that survives network blips, and a pending reactivation
// picked up again after a reload.

import { ApiError, Intent, call, send, sleep, backoff, humanDuration } from "./api.js";
import { $, el, button, show, showError, notice, fillDetails, when, emailDelivery, onLeave, currentView, ROLE, PUSH_STATUS, label } from "./ui.js";
import { session, fail, attempt, accountName, inChildAccount, switchAccount, setBackView } from "./app.js";

// target says whose Duo Push a view is about: {self: true} or an admin of
// the account ({admin_id, name}).
const selfTarget = { self: true };

export async function showProfile() {
  setBackView("profile");
  show("profile");
  $("profile-details").replaceChildren(); $("profile-auth").replaceChildren();
  try {
    const p = await call("GET", "/v1/profile");
    if (currentView() !== "profile") return;
    const pairs = [["Name", p.name], ["Email", p.email], ["Role", label(ROLE, p.role)],
      ["Acting account", accountName(session.acting_account)]];
    if (session.home_account !== session.acting_account) pairs.push(["Home account", accountName(session.home_account)]);
    const delivery = emailDelivery(p.email_status);
    if (delivery) pairs.splice(2, 0, ["Email delivery", delivery]);
    fillDetails($("profile-details"), pairs);
    renderAuth($("profile-auth"), p, selfTarget);
  } catch (err) { fail(err, showProfile); }
}

// device names a phone by what the app reported, each word once.
const device = (d) => (d ? [...new Set([d.display_name, d.platform, d.model].filter(Boolean))].join(" · ") : "");

// renderAuth fills a Secondary Authentication section: Duo Push with its
// state and actions, then the phone factors.
export function renderAuth(box, p, target) {
  box.replaceChildren();
  const push = p.secondary_auth.push;
  const dl = el("dl", null, { class: "details" });
  dl.append(el("dt", "Duo Push"), el("dd", label(PUSH_STATUS, push.status) + (push.device ? " — " + device(push.device) : "")));
  dl.append(el("dt", "SMS passcodes"), el("dd", (p.secondary_auth.sms && p.secondary_auth.sms.phone) || "No phone on file"));
  dl.append(el("dt", "Phone callback"), el("dd", (p.secondary_auth.phone && p.secondary_auth.phone.phone) || "No phone on file"));
  box.appendChild(dl);

  const pend = push.pending_reactivation;
  const actions = el("p", null, { class: "actions" });
  if (pend) {
    const by = pend.started_by && pend.started_by.admin_id === p.admin_id ? "you" : pend.started_by.name;
    const info = el("div", null, { class: "pending", id: "pending-info" });
    info.appendChild(el("h3", "Reactivation in progress"));
    info.appendChild(el("p", (target.self ? "Started by " + by : "Started by " + pend.started_by.name) + " on " + when(pend.created_at) + "."));
    const qrLeft = (Date.parse(pend.expires_at) - Date.now()) / 1000;
    info.appendChild(el("p", qrLeft > 0 ? "Its QR code is valid until " + when(pend.expires_at) + "; if it is not on your screen any more, show a new one."
      : "Its QR code has expired; show a new one."));
    if (pend.email_expires_at) info.appendChild(el("p", "The emailed link works until " + when(pend.email_expires_at) + "."));
    info.appendChild(el("p", pend.emails_left + (pend.emails_left === 1 ? " email" : " emails") + " left for this reactivation.", { class: "muted" }));
    box.appendChild(info);
    const ref = { reactivation_id: pend.reactivation_id };
    actions.append(
      button("Show a new QR code", (b) => newBarcode(b, ref, target), "primary"),
      button("Email the activation link", (b) => emailLink(b, ref, $("pending-result"))),
      button("Cancel reactivation", (b) => cancel(b, ref, target)),
    );
    box.appendChild(actions);
    box.appendChild(el("p", "", { id: "pending-result", role: "status" }));
    return;
  }
  const re = button(target.self ? "Reactivate Duo Push" : "Reactivate Duo Push for " + target.name, (b) => reactivate(b, target), "primary");
  re.id = target.self ? "reactivate-self" : "reactivate-admin";
  actions.appendChild(re);
  box.appendChild(actions);
  if (target.self && inChildAccount()) {
    // DESIGN §1.4: an MSP admin reactivates their own Duo Push from the
    // parent account only; say so and offer the switch instead of a 40302.
    re.disabled = true;
    re.setAttribute("aria-describedby", "child-why");
    const why = el("p", "You are acting in " + accountName(session.acting_account) + ", a child account. Reactivate your own Duo Push from your parent account, " +
      accountName(session.home_account) + ".", { id: "child-why", class: "hint" });
    box.appendChild(why);
    const sw = button("Switch to " + accountName(session.home_account), () => switchAccount(session.home_account));
    sw.id = "switch-home";
    box.appendChild(el("p", null, { class: "actions" })).appendChild(sw);
  }
}

function startPath(target) {
  return target.self ? "/v1/profile/duo-push/reactivation" : "/v1/admins/" + encodeURIComponent(target.admin_id) + "/duo-push/reactivation";
}

function reactivate(b, target) {
  if (target.self) {
    return attempt(b, "Starting…", async (intent, onWait) => showQR(await send("POST", startPath(target), {}, intent, { onWait }), target));
  }
  // An Owner's reactivation of someone else asks first: it is the other
  // admin's phone that stops working, and they get an email about it.
  confirmStep({
    title: "Reactivate Duo Push for " + target.name + "?",
    text: target.name + "'s current Duo Push stops working as soon as a phone is activated with the new QR code. " +
      target.name + " gets an email saying that you started it.",
    yes: "Yes, reactivate",
    back: () => target.back(),
    action: async (intent, onWait) => showQR(await send("POST", startPath(target), {}, intent, { onWait }), target),
  });
}

// confirmStep shows the confirmation view; the action's intent is drawn
// when the view opens, so "Yes" pressed again after a failure is a retry.
export function confirmStep({ title, text, yes, back, action }) {
  show("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  const y = $("confirm-yes").cloneNode(false); $("confirm-yes").replaceWith(y);
  y.textContent = yes;
  const n = $("confirm-no").cloneNode(true); $("confirm-no").replaceWith(n);
  n.addEventListener("click", () => { showError(); back(); });
  y.addEventListener("click", () => attempt(y, "Working…", action));
}

function newBarcode(b, ref, target) {
  return attempt(b, "Making a new code…", async (intent, onWait) =>
    showQR(await send("POST", "/v1/reactivations/" + encodeURIComponent(ref.reactivation_id) + "/barcode", {}, intent, { onWait }), target));
}

function emailLink(b, ref, out) {
  return attempt(b, "Sending…", async (intent, onWait) => {
    const r = await send("POST", "/v1/reactivations/" + encodeURIComponent(ref.reactivation_id) + "/email", {}, intent, { onWait });
    out.textContent = "Email sent to " + r.to + ". The link in it works until " + when(r.expires_at) + ".";
  });
}

function cancel(b, ref, target) {
  return attempt(b, "Cancelling…", async (intent, onWait) => {
    await send("DELETE", "/v1/reactivations/" + encodeURIComponent(ref.reactivation_id), undefined, intent, { onWait });
    await back(target);
    notice("The reactivation was cancelled.");
  });
}

function back(target) { return target.self ? showProfile() : target.back(); }

// ---- the QR code view ----

let qr = null; // {r, target, gen}
let gen = 0;

export function clearReactivation() {
  qr = null; gen++;
  $("qr-img").removeAttribute("src");
  for (const id of ["qr-for", "qr-expiry", "qr-status", "qr-email-result", "qr-copy-result", "profile-details", "profile-auth",
    "admin-details", "admin-auth", "admin-title", "confirm-title", "confirm-text"]) $(id).replaceChildren();
  $("qr-email").textContent = "Email the activation link";
}

function showQR(r, target) {
  qr = { r, target };
  const my = watchQR();
  $("qr-for").textContent = target.self ? "For your own Duo Push." : "For " + target.name + "'s Duo Push.";
  $("qr-img").src = "data:image/png;base64," + r.barcode_png;
  $("qr-open").href = "duo://" + r.barcode;
  $("qr-email").textContent = target.self ? "Email the activation link" : "Email the activation link to " + target.name;
  for (const id of ["qr-status", "qr-email-result", "qr-copy-result"]) $(id).textContent = "";
  state("pending");
  tickExpiry(my);
  poll(my, r.reactivation_id);
}

// watchQR shows the QR view and starts a new generation of its timers;
// leaving the view ends them.
function watchQR() {
  show("qr");
  const my = ++gen;
  onLeave(() => { if (gen === my) gen++; });
  return my;
}

// resumeQR shows the QR view again as it was (after a step-up) and goes on
// checking the reactivation it shows.
export function resumeQR() {
  if (!qr) return;
  const my = watchQR();
  const live = $("qr-status").classList.contains("pending") || $("qr-status").classList.contains("retrying") || $("qr-status").classList.contains("code-expired");
  if (!live) return;
  tickExpiry(my);
  poll(my, qr.r.reactivation_id);
}

// state shows one state of the reactivation and only the buttons that
// make sense in it.
function state(s, extra) {
  const live = s === "pending" || s === "code-expired";
  $("qr-live").hidden = s !== "pending" && s !== "code-expired";
  $("qr-live").classList.toggle("expired", s === "code-expired");
  $("qr-email").hidden = !live; $("qr-cancel").hidden = !live;
  $("qr-new").hidden = !(s === "code-expired" || s === "expired");
  $("qr-done").hidden = live;
  const text = {
    pending: "Waiting for the phone to scan the code…",
    "code-expired": "This QR code has expired. Generate a new code, or use the emailed link if one was sent.",
    activated: "Duo Push is active again" + (extra ? " on " + extra : "") + ". A phone activated before no longer receives pushes for this administrator.",
    expired: "This reactivation expired before a phone was activated.",
    cancelled: "This reactivation was cancelled.",
  }[s];
  $("qr-status").textContent = text;
  $("qr-status").className = "status " + s;
}

function tickExpiry(my) {
  const step = () => {
    if (gen !== my || !qr) return;
    const left = (Date.parse(qr.r.expires_at) - Date.now()) / 1000;
    if (left <= 0) {
      $("qr-expiry").textContent = "Expired at " + new Date(qr.r.expires_at).toLocaleTimeString() + ".";
      if ($("qr-status").classList.contains("pending")) state("code-expired");
      return;
    }
    $("qr-expiry").textContent = "Valid for " + humanDuration(left) + " more (until " + new Date(qr.r.expires_at).toLocaleTimeString() + ").";
    setTimeout(step, 1000);
  };
  step();
}

// poll checks the reactivation every 2 s; after a failed check it waits
// longer (2, 4, 8, 15 s), says so, and goes on: a network blip must not
// leave "pending" on screen after the phone activated.
async function poll(my, id) {
  for (let n = 0; gen === my; ) {
    let wait = 2;
    try {
      const r = await call("GET", "/v1/reactivations/" + encodeURIComponent(id));
      if (gen !== my) return;
      n = 0;
      if (r.status === "activated") return state("activated", device(r.device));
      if (r.status === "expired" || r.status === "cancelled") return state(r.status);
      if ($("qr-status").classList.contains("retrying")) state(Date.parse(qr.r.expires_at) > Date.now() ? "pending" : "code-expired");
    } catch (err) {
      if (gen !== my) return;
      if (!(err instanceof ApiError) || !err.transient) return fail(err);
      wait = backoff(n++, err);
      $("qr-status").textContent = "Connection problem: could not check the status. Checking again in " + humanDuration(wait) + "…";
      $("qr-status").className = "status retrying";
    }
    await sleep(wait);
  }
}

$("qr-email").addEventListener("click", (e) => emailLink(e.currentTarget, qr.r, $("qr-email-result")));
$("qr-cancel").addEventListener("click", (e) => cancel(e.currentTarget, qr.r, qr.target));
$("qr-done").addEventListener("click", () => back(qr.target));
$("qr-new").addEventListener("click", (e) => {
  const { r, target } = qr;
  if ($("qr-status").classList.contains("expired")) return reactivate(e.currentTarget, target);
  return newBarcode(e.currentTarget, r, target);
});
$("qr-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(qr.r.activation_url);
    $("qr-copy-result").textContent = "Link copied. Open it on the phone that has Duo Mobile.";
  } catch {
    $("qr-copy-result").textContent = "Copying is not allowed here. The link: " + qr.r.activation_url;
  }
});
