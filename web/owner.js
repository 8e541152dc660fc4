// The Owner's pages: Administrators (paged), an administrator's detail page
// with its Secondary authentication section and lockout, and the
// Administrator log with names, human action labels, details and filters.

import { call, send } from "./api.js";
import { $, el, button, show, notice, fillDetails, when, emailDelivery, currentView, ROLE, ADMIN_STATUS, PUSH_STATUS, ACTION, OUTCOME, label } from "./ui.js";
import { session, fail, accountName, setBackView } from "./app.js";
import { renderAuth, confirmStep } from "./reactivation.js";

let adminsNext = null;

export function clearOwner() {
  adminsNext = null; logNext = null;
  for (const id of ["admin-rows", "log-rows", "admins-account"]) $(id).replaceChildren();
  const sel = $("log-admin"); while (sel.options.length > 1) sel.remove(1);
}

export async function showAdmins(more) {
  setBackView("admins");
  if (!more) { show("admins"); $("admin-rows").replaceChildren(); adminsNext = null; }
  $("admins-account").textContent = accountName(session.acting_account);
  try {
    const r = await call("GET", "/v1/admins?limit=50" + (more && adminsNext ? "&next=" + encodeURIComponent(adminsNext) : ""));
    if (currentView() !== "admins") return;
    for (const a of r.admins) {
      const tr = el("tr");
      const name = el("td", null, { "data-label": "Name" });
      const open = button(a.name, () => showAdmin(a.admin_id), "link");
      open.setAttribute("aria-label", "Open " + a.name);
      name.appendChild(open);
      tr.append(name, el("td", a.email, { "data-label": "Email" }), el("td", label(ROLE, a.role), { "data-label": "Role" }),
        el("td", label(ADMIN_STATUS, a.status), { "data-label": "Status" }), el("td", label(PUSH_STATUS, a.push_status), { "data-label": "Duo Push" }));
      $("admin-rows").appendChild(tr);
    }
    adminsNext = r.next || null;
    $("admins-more").hidden = !adminsNext;
  } catch (err) { fail(err, () => showAdmins(more)); }
}
$("admins-more").addEventListener("click", () => showAdmins(true));
$("admin-back").addEventListener("click", () => showAdmins());

// showAdmin is an administrator's page: who they are, their lockout, and
// their Secondary authentication with Reactivate.
export async function showAdmin(id) {
  show("admin");
  $("lockout-actions")?.remove(); // a previous page's
  $("admin-title").textContent = "Administrator";
  $("admin-details").replaceChildren(); $("admin-auth").replaceChildren();
  try {
    const a = await call("GET", "/v1/admins/" + encodeURIComponent(id));
    if (currentView() !== "admin") return;
    $("admin-title").textContent = a.name;
    const details = [["Email", a.email], ["Role", label(ROLE, a.role)], ["Status", label(ADMIN_STATUS, a.status)],
      ["Account", a.account ? a.account.name : ""]];
    const delivery = emailDelivery(a.email_status);
    if (delivery) details.splice(1, 0, ["Email delivery", delivery]);
    fillDetails($("admin-details"), details);
    if (a.status === "locked") {
      const p = el("p", null, { class: "actions" });
      p.appendChild(button("Reset lockout", () => confirmStep({
        title: "Clear the lockout of " + a.name + "?",
        text: a.name + " was locked out after too many failed second-factor attempts. Clearing it lets them log in again; make sure it was them.",
        yes: "Yes, clear the lockout",
        back: () => showAdmin(id),
        action: async (intent, onWait) => {
          await send("POST", "/v1/admins/" + encodeURIComponent(id) + "/reset-lockout", {}, intent, { onWait });
          await showAdmin(id);
          notice("The lockout of " + a.name + " is cleared.");
        },
      })));
      p.id = "lockout-actions";
      $("admin-details").after(p);
    }
    renderAuth($("admin-auth"), a, { admin_id: id, name: a.name, back: () => showAdmin(id) });
  } catch (err) { fail(err, () => showAdmin(id)); }
}

// ---- administrator log ----

let logNext = null;
let logQuery = "";
const LOG_PAGE = 20; // events per page: one screen's worth

for (const [code, text] of Object.entries(ACTION)) $("log-action").appendChild(el("option", text, { value: code }));

export async function showLog(more) {
  setBackView("log");
  if (!more) {
    show("log"); $("log-rows").replaceChildren(); logNext = null;
    fillAdminFilter();
  }
  try {
    const q = "?limit=" + LOG_PAGE + logQuery + (more && logNext ? "&next=" + encodeURIComponent(logNext) : "");
    const r = await call("GET", "/v1/admin-log" + q);
    if (currentView() !== "log") return;
    // A person cell: the name, and the address below it in smaller type.
    const who = (p, id, lbl) => {
      const td = el("td", null, { "data-label": lbl });
      if (!p && !id) { td.textContent = "—"; return td; }
      const box = el("span");
      box.appendChild(el("span", p ? p.name || p.admin_id : id));
      if (p && p.email) box.appendChild(el("span", p.email, { class: "email" }));
      td.appendChild(box);
      return td;
    };
    for (const ev of r.events) {
      const tr = el("tr");
      const details = Object.entries(ev.details || {}).map(([k, v]) => k.replace(/_/g, " ") + ": " + v);
      if (ev.count > 1) details.push("happened " + ev.count + " times");
      if (ev.ip) details.push("from " + ev.ip);
      tr.append(el("td", when(ev.time), { "data-label": "Time", class: "when" }), el("td", label(ACTION, ev.action), { "data-label": "Action" }),
        el("td", label(OUTCOME, ev.outcome), { "data-label": "Outcome" }), who(ev.actor, ev.actor_id, "By"),
        who(ev.target, ev.target_id, "Administrator"), el("td", details.join("; ") || "—", { "data-label": "Details", class: "event-details" }));
      $("log-rows").appendChild(tr);
    }
    if (!more && r.events.length === 0 && !r.next) $("log-rows").appendChild(el("tr")).appendChild(el("td", "No events match these filters.", { colspan: "6" }));
    logNext = r.next || null;
    $("log-more").hidden = !logNext;
  } catch (err) { fail(err, () => showLog(more)); }
}

async function fillAdminFilter() {
  const sel = $("log-admin");
  if (sel.options.length > 1) return;
  try {
    const r = await call("GET", "/v1/admins?limit=500");
    for (const a of r.admins) sel.appendChild(el("option", a.name + " (" + a.email + ")", { value: a.admin_id }));
  } catch { /* the filter stays "Everyone"; the log itself reports errors */ }
}

$("log-filters").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const p = new URLSearchParams();
  for (const k of ["admin_id", "action"]) if (f.get(k)) p.set(k, f.get(k));
  // datetime-local is the browser's local time; the API takes RFC 3339.
  for (const k of ["since", "until"]) if (f.get(k)) p.set(k, new Date(f.get(k)).toISOString().replace(/\.\d{3}Z$/, "Z"));
  logQuery = p.toString() ? "&" + p.toString() : "";
  showLog(false);
});
$("log-more").addEventListener("click", (e) => { e.currentTarget.disabled = true; showLog(true).finally(() => { $("log-more").disabled = false; }); });
