// Page helpers shared by the views: elements built from text only (server
// text never goes through innerHTML), view switching with focus on the new
// heading, busy buttons, the error box with its next step, human labels.

import { humanDuration } from "./api.js";

export const $ = (id) => document.getElementById(id);

// el builds an element; text is set with textContent.
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  return e;
}

export function button(text, onClick, cls) {
  const b = el("button", text, { type: "button" });
  if (cls) b.className = cls;
  b.addEventListener("click", () => onClick(b));
  return b;
}

const VIEWS = ["login", "factor", "profile", "admins", "admin", "confirm", "qr", "log"];
let current = null;
let leaveHooks = [];

export function currentView() { return current; }

// onLeave runs fn once when the current view is left (stops its timers).
export function onLeave(fn) { leaveHooks.push(fn); }

// show switches to a view and moves focus to its heading, so a screen
// reader announces where the person is and Tab starts from there.
export function show(view) {
  const hooks = leaveHooks; leaveHooks = [];
  for (const fn of hooks) fn();
  current = view;
  for (const v of VIEWS) $("view-" + v).hidden = v !== view;
  const h = document.querySelector("#view-" + view + " h1");
  if (h) h.focus();
  window.scrollTo(0, 0);
}

// busy runs fn with b disabled and marked busy: a second click while the
// request runs does nothing. The label says what is happening.
export async function busy(b, label, fn) {
  if (!b || b.disabled) return undefined;
  const old = b.textContent;
  b.disabled = true; b.setAttribute("aria-busy", "true");
  if (label) b.textContent = label;
  try {
    return await fn();
  } finally {
    b.disabled = false; b.removeAttribute("aria-busy");
    if (label) b.textContent = old;
  }
}

let countdown = null;

// showError puts a message and its next steps (buttons) in the error box.
// actions: [[label, fn], ...]; countdownSecs adds a live countdown.
export function showError(message, actions = [], countdownSecs) {
  clearInterval(countdown);
  const box = $("error");
  if (!message) { box.hidden = true; return; }
  $("error-text").textContent = message;
  const retry = $("error-retry");
  if (countdownSecs) {
    let left = countdownSecs;
    const tick = () => {
      retry.textContent = left > 0 ? "You can try again in " + humanDuration(left) + "." : "You can try again now.";
      if (left-- <= 0) clearInterval(countdown);
    };
    tick(); countdown = setInterval(tick, 1000);
    retry.hidden = false;
  } else retry.hidden = true;
  const acts = $("error-actions"); acts.replaceChildren();
  for (const [label, fn] of actions) acts.appendChild(button(label, async (b) => { await busy(b, null, fn); }));
  box.hidden = false;
}

export function notice(message) {
  const n = $("notice");
  n.textContent = message || ""; n.hidden = !message;
}

// dl fills a definition list from [label, value] pairs.
export function fillDetails(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) dl.append(el("dt", k), el("dd", v ?? "—"));
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

// emailDelivery says why mail to an admin's address no longer goes out
// (email_status: an SES permanent bounce or a spam complaint), or null
// while it goes through, so the page can say it beside the address.
export function emailDelivery(st) {
  if (!st || !st.state) return null;
  const what = st.state === "complained" ? "Marked as spam" : "Bounced";
  return what + " on " + when(st.at) + (st.detail ? ": " + st.detail : "") +
    ". Emailed links cannot be sent to this address until an operator clears it; use the QR code.";
}

export const ROLE = {
  owner: "Owner", administrator: "Administrator", application_manager: "Application Manager",
  user_manager: "User Manager", help_desk: "Help Desk", billing: "Billing", read_only: "Read-only",
};
export const ADMIN_STATUS = { active: "Active", locked: "Locked out", disabled: "Disabled" };
export const PUSH_STATUS = { active: "Active", inactive: "Not activated", pending_reactivation: "Reactivation pending" };
export const ACTION = {
  "login.password": "Password checked", "login.factor": "Second factor requested",
  "login.verify": "Passcode checked", "login.push": "Push answered", "login.locked": "Locked out",
  "login.reauth": "Identity confirmed again", "session.switch_account": "Switched account",
  "session.logout": "Logged out", "reactivation.start": "Reactivation started",
  "reactivation.cancel": "Reactivation cancelled", "reactivation.email": "Activation link emailed",
  "reactivation.activate": "Duo Push activated", "reactivation.barcode": "New QR code made",
  "admin.reset_lockout": "Lockout cleared", "notification.email": "Notice emailed",
  "device.registration": "Phone registered for push",
};
export const OUTCOME = { success: "Success", failure: "Failed" };
export const label = (map, v) => map[v] || String(v ?? "");
