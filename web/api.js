// The panel's API client (DESIGN.md §4, §4.1): the Duo envelope, the
// session token, Idempotency-Key on every sending call, and retries.
//
// Secrets live in this module's memory only (docs/security/panel.md): the
// session token for as long as the page lives; nothing goes to Web Storage.

let token = null;

export function setToken(t) { token = t; }
export function hasToken() { return token !== null; }

// ApiError is a FAIL answer (code set) or a network failure (code 0).
export class ApiError extends Error {
  constructor(message, code, detail, retryAfter) {
    super(message);
    this.code = code; this.detail = detail || ""; this.retryAfter = retryAfter;
  }
  // transient: worth retrying the same intent with the same key (a
  // dependency down, a lost connection, the first try still running).
  get transient() { return this.code === 0 || this.code === 50301 || this.code === 40902; }
}

// Intent is one thing a person asked for: its Idempotency-Key is drawn
// once, so a retry of that intent (by the panel after a network failure,
// or by the person with "Try again") is replayed by the server instead of
// sending a second SMS or email. A new click is a new intent.
export class Intent {
  constructor() { this.key = crypto.randomUUID(); }
}

// call sends one request. headers may add X-Login-Secret; intent (for
// POST, PUT and DELETE) adds its Idempotency-Key.
export async function call(method, path, body, { headers = {}, intent } = {}) {
  const h = { ...headers };
  // The API refuses a body without this header (415 41501).
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (token) h.Authorization = "Bearer " + token;
  if (intent) h["Idempotency-Key"] = intent.key;
  let resp;
  try {
    resp = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError("The panel cannot reach the service (network problem).", 0);
  }
  let env;
  try { env = await resp.json(); } catch { env = null; }
  if (!env || typeof env !== "object") {
    // A proxy's HTML page or an empty answer: treat 5xx as the service
    // being away for a moment, anything else as a plain failure.
    throw new ApiError("The service answered unexpectedly (HTTP " + resp.status + ").", resp.status >= 500 ? 0 : resp.status * 100);
  }
  if (env.stat !== "OK") {
    const ra = parseInt(resp.headers.get("Retry-After") || "", 10);
    throw new ApiError(String(env.message || "Request failed"), env.code, env.message_detail, Number.isFinite(ra) ? ra : undefined);
  }
  return env.response;
}

// backoff is the wait before retry n (0-based): Retry-After when the
// server gave one, else 1, 2, 4, 8, 15, 15… seconds.
export function backoff(n, err) {
  if (err && err.retryAfter) return Math.min(err.retryAfter, 60);
  return Math.min(2 ** n, 15);
}

// sleep waits s seconds, calling tick(left) each second so the page can
// show the countdown.
export function sleep(s, tick) {
  return new Promise((resolve) => {
    let left = Math.ceil(s);
    const step = () => {
      if (left <= 0) return resolve();
      if (tick) tick(left);
      left--; setTimeout(step, 1000);
    };
    step();
  });
}

// send runs a sending call for one intent, retrying transient failures
// with the same key (so nothing happens twice) up to `tries` times;
// onWait(seconds, err) is told about each wait for a visible state.
export async function send(method, path, body, intent, { headers, tries = 4, onWait } = {}) {
  for (let n = 0; ; n++) {
    try {
      return await call(method, path, body, { headers, intent });
    } catch (err) {
      if (!(err instanceof ApiError) || !err.transient || n + 1 >= tries) throw err;
      await sleep(backoff(n, err), (left) => onWait && onWait(left, err));
    }
  }
}

// humanDuration turns seconds into words: "23 h 59 min", "4 min 10 s",
// "12 s" — never "86388 s".
export function humanDuration(secs) {
  secs = Math.max(0, Math.round(secs));
  const d = Math.floor(secs / 86400), h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60), s = secs % 60;
  if (d > 0) return d + (d === 1 ? " day" : " days") + (h ? " " + h + " h" : "");
  if (h > 0) return h + " h" + (m ? " " + m + " min" : "");
  if (m > 0) return m + " min" + (s && m < 10 ? " " + s + " s" : "");
  return s + " s";
}
