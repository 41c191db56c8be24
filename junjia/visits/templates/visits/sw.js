// Junjia's service worker for visits on a phone (issue 13; hand-written: ADR 0023).
// Pages a village clerk needs without a connection — the visit forms, the campaign member
// lists and route lists, the phone's own list — network first, then the copy kept here;
// static files cache first. Nothing else is kept, and nothing is ever sent from here: the
// pages' script sends the visits recorded on the phone.
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "junjia-static-" + VERSION;
const PAGES_CACHE = "junjia-pages";
const ASSETS = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const STATIC_PREFIX = "{{ static_prefix|escapejs }}";
const OFFLINE_PAGE = "{% url 'visits:offline' %}";
// The pages kept for offline use: forms to record a visit, a campaign (its members), the
// route lists, the phone's own list.
const KEPT = [
  /^\/visits\/campaigns\/\d+\/$/,
  /^\/visits\/campaigns\/\d+\/members\/\d+\/visit\/$/,
  /^\/visits\/people\/\d+\/visit\/$/,
  /^\/visits\/route\//,
  /^\/visits\/offline\/$/,
];

// The phone's own list is kept from the start: a visit saved without a connection opens it.
async function keepOfflinePage() {
  try {
    const response = await fetch(OFFLINE_PAGE, { credentials: "same-origin" });
    if (response.ok && !response.redirected) {
      await (await caches.open(PAGES_CACHE)).put(OFFLINE_PAGE, response);
    }
  } catch (err) {
    // No network while installing: kept the next time the list is opened.
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) => cache.addAll(ASSETS))
      .then(keepOfflinePage).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(
      names.filter((n) => n.startsWith("junjia-static-") && n !== STATIC_CACHE).map((n) => caches.delete(n))
    )).then(() => self.clients.claim())
  );
});

function kept(url) {
  return KEPT.some((pattern) => pattern.test(url.pathname));
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    // A page answered in full is kept; a redirect (to the login page) or an error is not.
    if (response.ok && response.status === 200 && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (err) {
    const url = new URL(request.url);
    // The phone's list is the same page whatever its query (?saved=1).
    // Pages vary by cookie and language: the phone keeps one user's copy (cleared at logout).
    const options = { ignoreVary: true };
    const copy = await cache.match(url.pathname === OFFLINE_PAGE ? OFFLINE_PAGE : request, options);
    if (copy) { return copy; }
    const list = await cache.match(OFFLINE_PAGE, options);
    if (list) { return list; }
    throw err;
  }
}

async function cacheFirst(request) {
  const copy = await caches.match(request);
  if (copy) { return copy; }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(STATIC_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && kept(url)) {
    event.respondWith(networkFirst(request));
  }
});
